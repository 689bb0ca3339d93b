/** The whole page: header with the wallet, then the vault or the governance page. */
import { html, nothing } from "lit-html";
import type { TemplateResult } from "lit-html";

import type { Controller } from "../controller";
import { shortAddress } from "../logic/format";
import type { AppState } from "../state";

import { noticePanel } from "./common";
import { flowsSection } from "./flows";
import { governancePage } from "./governance";
import { basketSection, headlineSummary, historySection, positionSection, vaultSummary } from "./overview";

function walletBar(state: AppState, c: Controller): TemplateResult {
  const { connection, wallets, chains, chain } = state;
  if (!connection) {
    return html`<div class="wallet">
      ${
        wallets.length === 0
          ? html`<span class="muted">No wallet found: install one (MetaMask, Rabby, …) to deposit.</span>`
          : wallets.map(
              (w, i) =>
                html`<button
                  type="button"
                  class="primary"
                  @click=${() => void c.connectWallet(w)}
                  aria-label=${i === 0 ? "Connect wallet" : `Connect wallet ${w.info.name}`}
                >
                  ${w.info.icon ? html`<img src=${w.info.icon} alt="" width="18" height="18" />` : nothing}
                  ${i === 0 ? "Connect wallet" : `Connect ${w.info.name}`}
                </button>`,
            )
      }
    </div>`;
  }
  const network = chains.find((ch) => ch.chainId === connection.chainId)?.name ?? `chain ${connection.chainId}`;
  return html`<div class="wallet">
    <span data-testid="account" title=${connection.account}
      >${connection.wallet.info.name}: ${shortAddress(connection.account)}</span
    >
    <span data-testid="network" class="muted">on ${network}</span>
    ${
      state.wrongNetwork
        ? nothing
        : html`<button type="button" class="secondary" @click=${() => void c.addShareToken()}>
            Add ${state.view?.symbol ?? "share"} token to wallet
          </button>`
    }
    <button type="button" class="secondary" @click=${() => c.disconnect()}>Disconnect</button>
    ${
      state.wrongNetwork
        ? html`<div class="notice warn" data-testid="wrong-network" role="alert">
            Your wallet is on ${network}, where Ballast is not deployed.
            <button type="button" class="primary" @click=${() => void c.switchNetwork()}>
              Switch to ${chain?.name ?? "Ballast"}
            </button>
          </div>`
        : nothing
    }
  </div>`;
}

export function page(state: AppState, c: Controller): TemplateResult {
  const { view } = state;
  return html`<a class="skip" href="#main">Skip to content</a>
    <header>
      <div class="brand">
        <h1>Ballast</h1>
        <nav aria-label="Pages">
          <a href="#/" aria-current=${state.page === "vault" ? "page" : "false"}>Vault</a>
          <a href="#/governance" aria-current=${state.page === "governance" ? "page" : "false"}>Governance</a>
        </nav>
      </div>
      ${walletBar(state, c)}
    </header>
    <main id="main" tabindex="-1">
      ${noticePanel(state.notice)}
      ${state.loadError ? html`<div class="notice bad" role="alert" data-testid="load-error">${state.loadError}</div>` : nothing}
      ${state.loading && !view && !state.headline ? html`<p class="muted">Reading the vault…</p>` : nothing}
      ${!view && state.headline ? headlineSummary(state.headline) : nothing}
      ${
        view
          ? state.page === "governance"
            ? governancePage(state)
            : html`<div class="grid">
                <div>${vaultSummary(view)} ${positionSection(view, state.position)} ${flowsSection(state, c)}</div>
                <div>${basketSection(view)} ${historySection(view, state.rebalances, state.prices)}</div>
              </div>`
          : nothing
      }
    </main>
    <footer class="muted small">
      Vault ${view ? html`<code>${view.address}</code>` : "–"} · block ${view?.block ?? "–"} · entries and exits go
      through BallastRouter with your tolerance and deadline.
    </footer>`;
}
