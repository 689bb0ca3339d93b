/**
 * The read-only governance and keepers page: the governed contracts, parameters with bounds,
 * pending timelock operations, breaker history.
 */
import { html, nothing } from "lit-html";
import type { TemplateResult } from "lit-html";

import type { VaultView } from "../chain/vault";
import { formatTime } from "../logic/format";
import type { AppState } from "../state";

import { dataTable } from "./common";
import { breakerHistory } from "./overview";

function contractEntry(label: string, address: string | undefined, testId: string, absent: string): TemplateResult {
  return html`<div class="stat">
    <dt>${label}</dt>
    <dd>
      ${address ? html`<code data-testid=${testId}>${address}</code>` : html`<span data-testid=${testId}>${absent}</span>`}
    </dd>
  </div>`;
}

/** Who governs what: the vault, the rebalancer governance set on it, the policy and breakers that rebalancer consults. */
function contractsSection(view: VaultView, timelock: string | undefined): TemplateResult {
  return html`<section class="card" aria-labelledby="contracts-title">
    <h2 id="contracts-title">Contracts</h2>
    <dl class="stats" data-testid="contracts">
      ${contractEntry("Vault", view.address, "contract-vault", "–")}
      ${contractEntry("Rebalancer (decides when the basket trades)", view.rebalancer, "contract-rebalancer", "none set")}
      ${contractEntry("Policy (the rebalancer's triggers, volatility band, cost gate)", view.policy, "contract-policy", "–")}
      ${contractEntry("Breakers (whether trading is safe now)", view.breakers, "contract-breakers", "–")}
      ${contractEntry("Timelock (admin)", timelock, "contract-timelock", "unknown")}
    </dl>
  </section>`;
}

export function governancePage(state: AppState): TemplateResult | typeof nothing {
  const { view, parameters, pending } = state;
  if (!view) return nothing;
  const groups = [...new Set(parameters.map((p) => p.group))];
  return html`${contractsSection(view, state.chain?.timelock)}
    <section class="card" aria-labelledby="params-title">
      <h2 id="params-title">Parameters</h2>
      ${groups.map(
        (group) =>
          html`<h3>${group}</h3>
            ${dataTable(
              "parameters",
              ["Parameter", "Value", "Bounds"],
              parameters
                .filter((p) => p.group === group)
                .map(
                  (p) =>
                    html`<tr>
                      <th scope="row">${p.name}</th>
                      <td>${p.value}</td>
                      <td>${p.bounds || "–"}</td>
                    </tr>`,
                ),
            )}`,
      )}
    </section>
    <section class="card" aria-labelledby="pending-title">
      <h2 id="pending-title">Pending timelock operations</h2>
      ${
        pending.length === 0
          ? html`<p class="muted" data-testid="pending">None.</p>`
          : html`<ul data-testid="pending">
              ${pending.map(
                (op) =>
                  html`<li>
                    <code title=${op.id}>${op.id.slice(0, 10)}…</code> ${op.ready ? "ready since" : "executable from"}
                    <time>${formatTime(op.eta)}</time>
                    <ul>
                      ${op.calls.map((call) => html`<li><code class="wrap">${call.summary}</code></li>`)}
                    </ul>
                  </li>`,
              )}
            </ul>`
      }
    </section>
    ${breakerHistory(view, state.breakerEvents)}`;
}
