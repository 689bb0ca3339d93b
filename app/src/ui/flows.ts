/**
 * Entering and leaving: the amount, the preview with what the flow costs, the protection
 * (tolerance and deadline), the approval step, then the flow. Every control has a visible label.
 */
import { html, nothing } from "lit-html";
import type { TemplateResult } from "lit-html";

import type { PreviewKind, VaultView } from "../chain/vault";
import type { Controller } from "../controller";
import { chargeInAssets, flowCharge, maxWithTolerance, minWithTolerance } from "../logic/charge";
import { formatAmount, formatBps } from "../logic/format";
import { isSettled } from "../logic/txstate";
import type { AppState } from "../state";

import { txPanel } from "./common";

const FLOWS: { kind: PreviewKind; label: string }[] = [
  { kind: "deposit", label: "Deposit" },
  { kind: "redeem", label: "Exit by shares" },
  { kind: "withdraw", label: "Exit by amount" },
  { kind: "inKind", label: "Exit in kind" },
];

const ACTION: Record<PreviewKind, string> = {
  deposit: "Deposit",
  redeem: "Redeem",
  withdraw: "Withdraw",
  inKind: "Redeem in kind",
};

function centiBpsText(centiBps: bigint): string {
  return formatBps(Number(centiBps) / 100);
}

function previewBlock(state: AppState, view: VaultView, c: Controller): TemplateResult | typeof nothing {
  const { form } = state;
  const p = form.preview;
  if (form.raw === undefined || form.raw === 0n) return nothing;
  if (!p) return html`<p class="muted" data-testid="preview">Reading the preview…</p>`;
  if (p.error) {
    return html`<div class="notice bad" data-testid="preview" role="status">
      <strong data-testid="preview-error">${p.error.title}</strong> ${p.error.sentence}
    </div>`;
  }
  const base = view.base;
  const tol = form.toleranceBps;
  switch (p.kind) {
    case "deposit": {
      const charge = flowCharge(p.quoted, p.fair);
      return html`<dl class="preview" data-testid="preview">
          <div>
            <dt>You receive</dt>
            <dd data-testid="preview-out">
              ${formatAmount(p.quoted, view.decimals, { maxFraction: 6 })} ${view.symbol}
            </dd>
          </div>
          <div>
            <dt>At the oracle NAV it would be</dt>
            <dd>${formatAmount(p.fair, view.decimals, { maxFraction: 6 })} ${view.symbol}</dd>
          </div>
          <div>
            <dt>Entering costs</dt>
            <dd data-testid="preview-charge">
              ${centiBpsText(charge.centiBps)}
              (${formatAmount(chargeInAssets(p.input, charge), base.decimals, { maxFraction: 2 })} ${base.symbol})
            </dd>
          </div>
          <div>
            <dt>Minimum with your tolerance</dt>
            <dd>${formatAmount(minWithTolerance(p.quoted, tol), view.decimals, { maxFraction: 6 })} ${view.symbol}</dd>
          </div>
        </dl>
        <p class="muted small">
          The charge stays in the vault: entries pay for the price moves feeds may not show yet and for the trades they
          cause (README, Security).
        </p>`;
    }
    case "redeem":
    case "withdraw": {
      const redeem = p.kind === "redeem";
      // For a withdrawal the charge shows as shares burnt beyond what the amount is worth.
      const charge = redeem ? flowCharge(p.quoted, p.fair) : flowCharge(p.fair, p.quoted);
      const costAssets = redeem ? p.fair - p.quoted : chargeInAssets(p.input, flowCharge(p.fair, p.quoted));
      return html`<dl class="preview" data-testid="preview">
        <div>
          <dt>${redeem ? "You receive" : "Shares burnt"}</dt>
          <dd data-testid="preview-out">
            ${redeem ? `${formatAmount(p.quoted, base.decimals, { maxFraction: 6 })} ${base.symbol}` : `${formatAmount(p.quoted, view.decimals, { maxFraction: 6 })} ${view.symbol}`}
          </dd>
        </div>
        <div>
          <dt>Leaving costs</dt>
          <dd data-testid="preview-charge">
            ${centiBpsText(charge.centiBps)}
            (${formatAmount(costAssets > 0n ? costAssets : 0n, base.decimals, { maxFraction: 2 })} ${base.symbol})
          </dd>
        </div>
        <div>
          <dt>Sells basket assets</dt>
          <dd data-testid="preview-sells">
            ${p.sells ? "Yes: beyond the vault's cash, slices of the basket are sold (their pool cost is in the price)" : "No: paid from the vault's cash"}
          </dd>
        </div>
        <div>
          <dt>${redeem ? "Minimum" : "Maximum shares"} with your tolerance</dt>
          <dd>
            ${redeem ? `${formatAmount(minWithTolerance(p.quoted, tol), base.decimals, { maxFraction: 6 })} ${base.symbol}` : `${formatAmount(maxWithTolerance(p.quoted, tol), view.decimals, { maxFraction: 6 })} ${view.symbol}`}
          </dd>
        </div>
      </dl>`;
    }
    case "inKind":
      return html`<fieldset class="preview" data-testid="preview">
        <legend>You receive (tick a token to leave it behind)</legend>
        ${view.tokens.map(
          (t, i) =>
            html`<label class="forfeit">
              <input
                type="checkbox"
                .checked=${form.forfeited.includes(i)}
                @change=${() => c.toggleForfeit(i)}
                aria-label=${`Leave ${t.symbol} behind`}
              />
              <span>${formatAmount(p.amounts?.[i] ?? 0n, t.decimals, { maxFraction: 6 })} ${t.symbol}</span>
              ${form.forfeited.includes(i) ? html`<em>left in the vault</em>` : nothing}
            </label>`,
        )}
        <p class="muted small">
          No trade and no oracle: this exit works even when prices are broken or the vault is paused. Leave a token
          behind only if it refuses transfers to you.
        </p>
      </fieldset>`;
  }
}

export function flowsSection(state: AppState, c: Controller): TemplateResult | typeof nothing {
  const { view, position, form, connection, tx } = state;
  if (!view) return nothing;
  if (!connection || state.wrongNetwork) {
    return html`<section class="card" aria-labelledby="flows-title">
      <h2 id="flows-title">Deposit and exit</h2>
      <p>Connect a wallet on ${state.chain?.name ?? "a Ballast chain"} to deposit or exit.</p>
    </section>`;
  }
  const busy = tx !== undefined && !isSettled(tx);
  const unit = form.kind === "deposit" || form.kind === "withdraw" ? view.base.symbol : view.symbol;
  const approval = c.approvalStep();
  const depositsHalted = form.kind === "deposit" && (view.paused || form.preview?.max === 0n);
  const ready =
    form.preview !== undefined && !form.preview.error && form.raw !== undefined && form.raw > 0n && !form.inputError;
  const tooMuch =
    form.preview?.max !== undefined && form.raw !== undefined && form.kind !== "inKind" && form.raw > form.preview.max;
  return html`<section class="card" aria-labelledby="flows-title">
    <h2 id="flows-title">Deposit and exit</h2>
    <fieldset class="flows">
      <legend>What to do</legend>
      ${FLOWS.map(
        (f) =>
          html`<label class="flow-choice">
            <input type="radio" name="flow" .checked=${form.kind === f.kind} @change=${() => c.selectFlow(f.kind)} />
            ${f.label}
          </label>`,
      )}
    </fieldset>
    ${
      depositsHalted
        ? html`<p class="notice warn" data-testid="deposits-halted" role="status">
            Deposits are halted while the vault is paused. Exits stay open; an exit in kind always works.
          </p>`
        : nothing
    }
    <div class="field">
      <label for="amount">Amount</label>
      <div class="amount-row">
        <input
          id="amount"
          name="amount"
          inputmode="decimal"
          autocomplete="off"
          .value=${form.amount}
          @input=${(e: Event) => c.setAmount((e.target as HTMLInputElement).value)}
          aria-describedby="amount-unit amount-error"
          aria-invalid=${form.inputError ? "true" : "false"}
        />
        <span id="amount-unit" class="unit">${unit}</span>
        <button type="button" class="secondary" @click=${() => c.setMax()}>Max</button>
      </div>
      <p id="amount-error" class="error" role="alert">
        ${form.inputError ?? (tooMuch ? `More than the vault takes now (max ${formatAmount(form.preview?.max ?? 0n, c.amountDecimals(), { maxFraction: 6 })} ${unit})` : "")}
      </p>
    </div>
    <div class="protection">
      <div class="field">
        <label for="tolerance">Slippage tolerance (%)</label>
        <input
          id="tolerance"
          type="number"
          min="0.01"
          max="5"
          step="0.01"
          .value=${String(form.toleranceBps / 100)}
          @change=${(e: Event) => c.setTolerance((e.target as HTMLInputElement).value)}
        />
      </div>
      <div class="field">
        <label for="deadline">Deadline (minutes)</label>
        <input
          id="deadline"
          type="number"
          min="1"
          max="1440"
          step="1"
          .value=${String(form.deadlineMinutes)}
          @change=${(e: Event) => c.setDeadline((e.target as HTMLInputElement).value)}
        />
      </div>
    </div>
    ${previewBlock(state, view, c)}
    <div class="actions">
      ${
        approval
          ? html`<button
                type="button"
                ?disabled=${busy || !ready || depositsHalted}
                @click=${() => void c.approve()}
                aria-describedby="approve-what"
              >
                Approve
              </button>
              <span id="approve-what" class="muted small"
                >exactly
                ${formatAmount(approval.amount, approval.token === "base" ? view.base.decimals : view.decimals, { maxFraction: 6 })}
                ${approval.token === "base" ? view.base.symbol : view.symbol} for the router</span
              >`
          : nothing
      }
      <button
        type="button"
        class="primary"
        ?disabled=${busy || !ready || approval !== undefined || depositsHalted || tooMuch || !position}
        @click=${() => void c.send()}
      >
        ${ACTION[form.kind]}
      </button>
    </div>
    ${txPanel(tx, state.chain)}
  </section>`;
}
