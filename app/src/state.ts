/** The page's state: one object, re-rendered as a whole by lit-html after every change. */
import type { Provider } from "ethers";

import type { ChainConfig } from "./chain/config";
import type { PendingOperation, Parameter } from "./chain/governance";
import type { BreakerEvent, PricePoint, RebalanceRecord } from "./chain/history";
import type { Headline, Position, Preview, PreviewKind, VaultView } from "./chain/vault";
import type { Connection, DiscoveredWallet } from "./chain/wallet";
import type { Explained } from "./logic/errors";
import type { TxState } from "./logic/txstate";

export interface FlowForm {
  kind: PreviewKind;
  /** What the depositor typed, as typed. */
  amount: string;
  /** Parsed, when it parses. */
  raw?: bigint;
  inputError?: string;
  preview?: Preview;
  /** Basket indices to leave behind in an in-kind exit. */
  forfeited: number[];
  toleranceBps: number;
  deadlineMinutes: number;
}

export interface AppState {
  page: "vault" | "governance";
  chains: ChainConfig[];
  /** The chain the page reads (the wallet's when it is a Ballast chain). */
  chain?: ChainConfig;
  reader?: Provider;
  wallets: DiscoveredWallet[];
  connection?: Connection;
  /** The wallet is on a chain without a Ballast vault. */
  wrongNetwork: boolean;
  /** NAV and supply, read before the rest of the vault. */
  headline?: Headline;
  view?: VaultView;
  position?: Position;
  rebalances: RebalanceRecord[];
  prices: PricePoint[];
  breakerEvents: BreakerEvent[];
  parameters: Parameter[];
  pending: PendingOperation[];
  form: FlowForm;
  tx?: TxState;
  /** A calm note or an explained failure outside a transaction (connecting, switching). */
  notice?: Explained;
  loadError?: string;
  loading: boolean;
  /** A reread of the chain is under way (the e2e run waits for it to end). */
  refreshing: boolean;
}

export function initialState(): AppState {
  return {
    page: location.hash === "#/governance" ? "governance" : "vault",
    chains: [],
    wallets: [],
    wrongNetwork: false,
    rebalances: [],
    prices: [],
    breakerEvents: [],
    parameters: [],
    pending: [],
    form: { kind: "deposit", amount: "", forfeited: [], toleranceBps: 50, deadlineMinutes: 20 },
    loading: true,
    refreshing: false,
  };
}
