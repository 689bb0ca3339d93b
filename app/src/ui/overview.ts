/** The vault as anyone sees it: NAV, share price, basket, status, fees, history. */
import { html, nothing } from "lit-html";
import type { TemplateResult } from "lit-html";

import type { BreakerEvent, PricePoint, RebalanceRecord } from "../chain/history";
import { tradeSymbols } from "../chain/history";
import { symbolLookup } from "../chain/vault";
import type { Headline, Position, VaultView } from "../chain/vault";
import { formatAmount, formatBps, shortAddress } from "../logic/format";
import { describeBreaker } from "../logic/status";

import { dataTable, stat } from "./common";

/** The vault's summary card: its name, then `stats`, then `body`. */
function summaryCard(headline: Headline, stats: TemplateResult[], body: TemplateResult): TemplateResult {
  return html`<section class="card" aria-labelledby="vault-title">
    <h2 id="vault-title">${headline.name} <span class="muted">(${headline.symbol})</span></h2>
    <dl class="stats">${stats}</dl>
    ${body}
  </section>`;
}

function navStat({ nav, base }: Headline): TemplateResult {
  return stat("Net asset value", `${formatAmount(nav, base.decimals, { maxFraction: 2 })} ${base.symbol}`, "nav");
}

function supplyStat({ supply, decimals }: Headline): TemplateResult {
  return stat("Shares outstanding", formatAmount(supply, decimals, { maxFraction: 2 }), "supply");
}

/** The summary before the basket is read: NAV and supply only. */
export function headlineSummary(headline: Headline): TemplateResult {
  return summaryCard(
    headline,
    [navStat(headline), supplyStat(headline)],
    html`<p class="muted">Reading the basket…</p>`,
  );
}

export function vaultSummary(view: VaultView): TemplateResult {
  const base = view.base;
  const { managementFeeBps, entryFeeBps, exitFeeBps } = view.fees;
  return summaryCard(
    view,
    [
      navStat(view),
      stat(
        "Share price",
        `${formatAmount(view.sharePrice, base.decimals, { maxFraction: 6 })} ${base.symbol}`,
        "share-price",
      ),
      supplyStat(view),
      stat(
        "Fees (management / entry / exit)",
        `${formatBps(managementFeeBps)} / ${formatBps(entryFeeBps)} / ${formatBps(exitFeeBps)}`,
        "fees",
      ),
    ],
    html`<div class="status ${view.status.tone}" data-testid="status" data-status=${view.status.name} role="status">
      <strong>Rebalance status: ${view.status.name}</strong>
      <p>${view.status.sentence}</p>
      ${
        view.paused && view.status.name !== "Paused"
          ? html`<p data-testid="paused">The vault is paused: deposits are halted; exits stay open.</p>`
          : nothing
      }
      ${
        view.breaker.tripped && view.status.name !== "BreakerTripped"
          ? html`<p data-testid="breaker">
              Breaker tripped: ${view.breaker.reason} on ${view.breaker.asset}. ${view.breaker.sentence}
            </p>`
          : nothing
      }
      ${
        view.priceError
          ? html`<p data-testid="price-error">
              <strong>${view.priceError.title}</strong>: ${view.priceError.sentence}
            </p>`
          : nothing
      }
    </div>`,
  );
}

export function basketSection(view: VaultView): TemplateResult {
  const base = view.base;
  return html`<section class="card" aria-labelledby="basket-title">
    <h2 id="basket-title">Basket</h2>
    <div class="chart">
      <canvas
        id="weights-chart"
        role="img"
        aria-label="Current and target weight of each asset, with the drift band"
      ></canvas>
    </div>
    ${dataTable(
      "basket",
      ["Asset", "Balance", `Value (${base.symbol})`, "Weight", "Target"],
      view.tokens.map(
        (token, i) =>
          html`<tr>
            <th scope="row">${token.symbol}</th>
            <td>${formatAmount(view.balances[i], token.decimals)}</td>
            <td>${view.values ? formatAmount(view.values[i], base.decimals, { maxFraction: 2 }) : "–"}</td>
            <td>${view.currentWeights ? formatBps(view.currentWeights[i]) : "–"}</td>
            <td>${formatBps(view.targetWeights[i])} ± ${formatBps(view.triggerBandBps)}</td>
          </tr>`,
      ),
    )}
    <p class="muted">
      Drift ${formatBps(view.driftBps)}; a rebalance is due beyond the
      band${view.targetBandBps > 0n ? `, and trades stop within ${formatBps(view.targetBandBps)}` : ""}.
    </p>
  </section>`;
}

export function positionSection(view: VaultView, position: Position | undefined): TemplateResult | typeof nothing {
  if (!position) return nothing;
  const base = view.base;
  return html`<section class="card" aria-labelledby="position-title">
    <h2 id="position-title">Your position</h2>
    <dl class="stats">
      ${stat("Shares", formatAmount(position.shares, view.decimals, { maxFraction: 6 }), "position-shares")}
      ${stat("Value at NAV", `${formatAmount(position.fairValue, base.decimals, { maxFraction: 2 })} ${base.symbol}`, "position-value")}
      ${stat("A base exit pays now", position.exitValue === undefined ? "unavailable" : `${formatAmount(position.exitValue, base.decimals, { maxFraction: 2 })} ${base.symbol}`, "position-exit")}
      ${stat(`Wallet ${base.symbol}`, formatAmount(position.baseBalance, base.decimals, { maxFraction: 2 }), "wallet-base")}
    </dl>
    <h3>An exit in kind would pay</h3>
    <ul class="inkind" data-testid="position-inkind">
      ${view.tokens.map((t, i) => html`<li>${formatAmount(position.inKind[i] ?? 0n, t.decimals, { maxFraction: 6 })} ${t.symbol}</li>`)}
    </ul>
  </section>`;
}

export function historySection(
  view: VaultView,
  rebalances: readonly RebalanceRecord[],
  prices: readonly PricePoint[],
): TemplateResult {
  const symbolOf = symbolLookup(view.tokens);
  const decimalsOf = (address: string) =>
    view.tokens.find((t) => t.address.toLowerCase() === address.toLowerCase())?.decimals ?? 18;
  return html`<section class="card" aria-labelledby="history-title">
    <h2 id="history-title">History</h2>
    <h3>Share price</h3>
    <div class="chart small">
      ${
        prices.length > 1
          ? html`<canvas id="price-chart" role="img" aria-label="Share price sampled from past blocks"></canvas>`
          : html`<p class="muted">Not enough history yet.</p>`
      }
    </div>
    <h3>Recent rebalances</h3>
    ${
      rebalances.length === 0
        ? html`<p class="muted">None yet.</p>`
        : html`<ul class="rebalances" data-testid="rebalances">
            ${rebalances.map(
              (r) =>
                html`<li>
                  Block ${r.block}: drift ${formatBps(r.driftBeforeBps)} → ${formatBps(r.driftAfterBps)}, cost
                  ${formatAmount(r.navBefore - r.navAfter, view.base.decimals, { maxFraction: 2 })} ${view.base.symbol}
                  <ul>
                    ${r.trades.map((t) => {
                      const { from, to } = tradeSymbols(t, symbolOf);
                      return html`<li>
                        ${formatAmount(t.amountIn, decimalsOf(t.tokenIn))} ${from} →
                        ${formatAmount(t.amountOut, decimalsOf(t.tokenOut))} ${to}
                      </li>`;
                    })}
                  </ul>
                </li>`,
            )}
          </ul>`
    }
  </section>`;
}

export function breakerHistory(view: VaultView, events: readonly BreakerEvent[]): TemplateResult {
  const symbols = view.tokens.map((t) => t.symbol);
  return html`<section class="card" aria-labelledby="breaker-title">
    <h2 id="breaker-title">Breaker history</h2>
    ${
      events.length === 0
        ? html`<p class="muted" data-testid="breaker-history">No trip recorded.</p>`
        : html`<ul data-testid="breaker-history">
            ${events.map((e) =>
              e.kind === "reset"
                ? html`<li>Block ${e.block}: reset ${e.byGovernance ? "by governance" : "after its cooldown"}</li>`
                : html`<li>
                    Block ${e.block}: ${e.kind === "tripped" ? "tripped" : "trade refused"} —
                    ${describeBreaker(e.reason ?? 0n, e.index ?? 0n, symbols).reason} on
                    ${symbols[Number(e.index)] ?? "?"}
                  </li>`,
            )}
          </ul>`
    }
    <p class="muted">
      ${
        view.breakers && view.rebalancer
          ? `Recorded by breakers ${shortAddress(view.breakers)} for rebalancer ${shortAddress(view.rebalancer)}`
          : "No rebalancer is set, so no breaker."
      }
    </p>
  </section>`;
}
