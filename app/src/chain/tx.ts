/**
 * Sends one transaction and reports its life (wallet -> pending -> included -> confirmed) to the
 * page, with the hash as soon as the wallet returns it. Every failure is explained, a wallet
 * rejection calmly.
 */
import type { ContractTransactionResponse } from "ethers";

import { explainError } from "../logic/errors";
import { nextTx, startTx } from "../logic/txstate";
import type { TxState } from "../logic/txstate";

import { ERROR_INTERFACES } from "./contracts";
import type { SymbolOf } from "./vault";

export async function runTx(
  label: string,
  send: () => Promise<ContractTransactionResponse>,
  update: (state: TxState) => void,
  confirmations: number,
  symbolOf: SymbolOf,
): Promise<boolean> {
  let state = startTx(label);
  update(state);
  try {
    const response = await send();
    state = nextTx(state, { type: "sent", hash: response.hash });
    update(state);
    const receipt = await response.wait(1);
    state = nextTx(state, { type: "included", block: receipt?.blockNumber ?? 0 });
    update(state);
    if (confirmations > 1) await response.wait(confirmations);
    state = nextTx(state, { type: "confirmed" });
    update(state);
    return true;
  } catch (error) {
    state = nextTx(state, { type: "failed", error: explainError(error, ERROR_INTERFACES, symbolOf) });
    update(state);
    return false;
  }
}
