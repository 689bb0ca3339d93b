/** Small templates shared by the pages. */
import { html, nothing } from "lit-html";
import type { TemplateResult } from "lit-html";

import type { ChainConfig } from "../chain/config";
import { txLink } from "../chain/config";
import type { Explained } from "../logic/errors";
import { phaseText, txSteps } from "../logic/txstate";
import type { TxState } from "../logic/txstate";

export function txPanel(tx: TxState | undefined, chain: ChainConfig | undefined): TemplateResult | typeof nothing {
  if (!tx) return nothing;
  const link = tx.hash ? txLink(chain, tx.hash) : undefined;
  const tone =
    tx.phase === "failed" ? "bad" : tx.phase === "rejected" ? "calm" : tx.phase === "confirmed" ? "ok" : "info";
  return html`<div
    class="tx ${tone}"
    data-testid="tx"
    data-label=${tx.label}
    data-phase=${tx.phase}
    role="status"
    aria-live="polite"
  >
    <strong>${tx.label}</strong>: <span class="phase">${phaseText(tx)}</span>
    ${
      tx.hash
        ? html`<ol class="steps" data-testid="tx-steps">
            ${txSteps(tx).map(
              (step) => html`<li class=${step.done ? "done" : ""}>${step.done ? "✓ " : ""}${step.label}</li>`,
            )}
          </ol>`
        : nothing
    }
    ${
      tx.hash
        ? html`<div class="hash">
            Transaction
            ${
              link
                ? html`<a href=${link} target="_blank" rel="noopener" data-testid="tx-hash">${tx.hash}</a>`
                : html`<code data-testid="tx-hash">${tx.hash}</code>`
            }
          </div>`
        : nothing
    }
  </div>`;
}

export function noticePanel(notice: Explained | undefined): TemplateResult | typeof nothing {
  if (!notice) return nothing;
  const tone = notice.kind === "revert" ? "bad" : notice.kind === "rejected" ? "calm" : "info";
  return html`<div class="notice ${tone}" data-testid="notice" role="status" aria-live="polite">
    <strong>${notice.title}</strong> ${notice.sentence}
  </div>`;
}

export function stat(label: string, value: string, testId: string): TemplateResult {
  return html`<div class="stat">
    <dt>${label}</dt>
    <dd data-testid=${testId}>${value}</dd>
  </div>`;
}

/**
 * A table that scrolls sideways on a narrow screen: a header row of `columns`, then `rows` (each a
 * `<tr>` that heads itself with a `<th scope="row">`).
 */
export function dataTable(testId: string, columns: readonly string[], rows: readonly TemplateResult[]): TemplateResult {
  return html`<div class="table-wrap">
    <table data-testid=${testId}>
      <thead>
        <tr>
          ${columns.map((column) => html`<th scope="col">${column}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
  </div>`;
}
