/**
 * What the page does: loads the vault, follows the wallet, previews and sends flows. Every
 * change goes through `set`, which re-renders; the templates (ui/) only read the state and call
 * these actions.
 */
import { BrowserProvider, JsonRpcProvider } from "ethers";

import { confirmationsFor, defaultChain, loadChains } from "./chain/config";
import { erc20At, ERROR_INTERFACES, routerAt, vaultAt } from "./chain/contracts";
import { loadParameters, loadPendingOperations } from "./chain/governance";
import { loadBreakerHistory, loadRebalances, loadSharePrices } from "./chain/history";
import { runTx } from "./chain/tx";
import { loadHeadline, loadPosition, loadPreview, loadVault, symbolLookup } from "./chain/vault";
import type { PreviewKind } from "./chain/vault";
import { connect, discoverWallets, followWallet, switchChain, watchShareToken } from "./chain/wallet";
import type { DiscoveredWallet } from "./chain/wallet";
import {
  approvalNeeded,
  checkTolerance,
  deadlineAfter,
  forfeitMask,
  inKindMinimums,
  maxWithTolerance,
  minWithTolerance,
} from "./logic/charge";
import { explainError } from "./logic/errors";
import { AmountError, amountInputValue, parseAmount } from "./logic/format";
import { startTx } from "./logic/txstate";
import type { AppState } from "./state";
import { initialState } from "./state";

type Listener = (state: AppState) => void;

/** The transaction panel's label of each flow (the buttons' names). */
const ACTION_LABELS: Record<PreviewKind, string> = {
  deposit: "Deposit",
  redeem: "Redeem",
  withdraw: "Withdraw",
  inKind: "Redeem in kind",
};

export class Controller {
  state: AppState = initialState();
  private listener: Listener = () => undefined;
  private unfollow?: () => void;
  private previewTimer?: number;
  private previewSeq = 0;
  private readonly params = new URLSearchParams(location.search);

  onChange(listener: Listener): void {
    this.listener = listener;
  }

  /** Renders again without a change (a chunk arrived). */
  redraw(): void {
    this.listener(this.state);
  }

  private set(patch: Partial<AppState>): void {
    this.state = { ...this.state, ...patch };
    this.listener(this.state);
  }

  private setForm(patch: Partial<AppState["form"]>): void {
    this.set({ form: { ...this.state.form, ...patch } });
  }

  async start(): Promise<void> {
    window.addEventListener("hashchange", () => {
      this.set({ page: location.hash === "#/governance" ? "governance" : "vault" });
      void this.refresh();
    });
    discoverWallets((wallets) => this.set({ wallets }));
    performance.mark("ballast:start");
    const chains = await loadChains(this.params);
    performance.mark("ballast:chains");
    const chain = defaultChain(chains, this.params);
    const reader = chain?.rpcUrl
      ? new JsonRpcProvider(chain.rpcUrl, chain.chainId, { staticNetwork: true })
      : undefined;
    this.set({ chains, chain, reader });
    if (!chain)
      this.set({ loading: false, loadError: "No Ballast deployment is known: start a local node (npm run node)." });
    await this.refresh();
  }

  private symbolOf = (address: string) => (this.state.view ? symbolLookup(this.state.view.tokens)(address) : undefined);

  /** Rereads the vault, the position and the current preview. */
  async refresh(): Promise<void> {
    this.set({ refreshing: true });
    try {
      await this.reread();
    } finally {
      this.set({ refreshing: false });
    }
  }

  private async reread(): Promise<void> {
    const { chain, reader, connection, wrongNetwork } = this.state;
    const provider = connection && !wrongNetwork ? connection.provider : reader;
    if (!chain?.vault || !provider) return this.set({ loading: false });
    try {
      // The headline (NAV, supply) first: one light round trip, on screen before the basket's reads.
      if (!this.state.view) {
        this.set({ headline: await loadHeadline(provider, chain.vault) });
        performance.mark("ballast:headline");
      }
      const view = await loadVault(provider, chain.vault);
      performance.mark("ballast:vault");
      this.set({ view, loading: false, loadError: undefined });
      const account = connection && !wrongNetwork ? connection.account : undefined;
      const [position, rebalances, prices, breakerEvents] = await Promise.all([
        account ? loadPosition(provider, view, account, chain.router) : Promise.resolve(undefined),
        loadRebalances(provider, view.address, view.block),
        loadSharePrices(provider, view.address, view.decimals, view.block),
        view.breakers && view.rebalancer
          ? loadBreakerHistory(provider, view.breakers, view.rebalancer, view.block)
          : Promise.resolve([]),
      ]);
      this.set({ position, rebalances, prices, breakerEvents });
      if (this.state.page === "governance") {
        const [parameters, pending] = await Promise.all([
          loadParameters(provider, view.address, view.policy, view.breakers),
          chain.timelock
            ? loadPendingOperations(
                provider,
                {
                  vault: view.address,
                  rebalancer: view.rebalancer,
                  policy: view.policy,
                  breakers: view.breakers,
                  timelock: chain.timelock,
                },
                view.block,
              )
            : Promise.resolve([]),
        ]);
        this.set({ parameters, pending });
      }
      await this.preview();
    } catch (error) {
      this.set({ loading: false, loadError: explainError(error, ERROR_INTERFACES, this.symbolOf).sentence });
    }
  }

  // --- wallet ---------------------------------------------------------------------------------

  async connectWallet(wallet: DiscoveredWallet): Promise<void> {
    try {
      const connection = await connect(wallet);
      this.unfollow?.();
      this.unfollow = followWallet(
        wallet,
        (accounts) => {
          if (!accounts[0]) return this.disconnect();
          if (this.state.connection) this.set({ connection: { ...this.state.connection, account: accounts[0] } });
          void this.refresh();
        },
        (chainId) => void this.onChain(chainId),
      );
      this.set({ connection, notice: undefined });
      await this.onChain(connection.chainId);
    } catch (error) {
      this.set({ notice: explainError(error, ERROR_INTERFACES, this.symbolOf) });
    }
  }

  disconnect(): void {
    this.unfollow?.();
    this.unfollow = undefined;
    this.set({ connection: undefined, position: undefined, wrongNetwork: false, tx: undefined });
    void this.refresh();
  }

  private async onChain(chainId: number): Promise<void> {
    const { connection, chains } = this.state;
    if (!connection) return;
    const match = chains.find((chain) => chain.chainId === chainId && chain.vault);
    // A new BrowserProvider per chain: ethers' provider is bound to the network it first saw.
    const next = { ...connection, chainId, provider: new BrowserProvider(connection.wallet.provider, "any") };
    if (match)
      this.set({
        connection: next,
        wrongNetwork: false,
        chain: match,
        view: match.vault === this.state.view?.address ? this.state.view : undefined,
      });
    else this.set({ connection: next, wrongNetwork: true, position: undefined });
    await this.refresh();
  }

  async switchNetwork(): Promise<void> {
    const { connection, chain } = this.state;
    if (!connection || !chain) return;
    try {
      await switchChain(connection.wallet, chain);
      const chainId = Number(await connection.wallet.provider.request({ method: "eth_chainId" }));
      await this.onChain(chainId);
      this.set({ notice: undefined });
    } catch (error) {
      this.set({ notice: explainError(error, ERROR_INTERFACES, this.symbolOf) });
    }
  }

  async addShareToken(): Promise<void> {
    const { connection, view } = this.state;
    if (!connection || !view) return;
    try {
      await watchShareToken(connection.wallet, { address: view.address, symbol: view.symbol, decimals: view.decimals });
      this.set({
        notice: { kind: "other", title: "Share token offered", sentence: `${view.symbol} was offered to your wallet.` },
      });
    } catch (error) {
      this.set({ notice: explainError(error, ERROR_INTERFACES, this.symbolOf) });
    }
  }

  // --- forms ----------------------------------------------------------------------------------

  /** Decimals of what the form's amount is in: the base asset for deposit and withdraw, shares otherwise. */
  amountDecimals(kind: PreviewKind = this.state.form.kind): number {
    const { view } = this.state;
    if (!view) return 18;
    return kind === "deposit" || kind === "withdraw" ? view.base.decimals : view.decimals;
  }

  selectFlow(kind: PreviewKind): void {
    this.set({
      form: {
        ...this.state.form,
        kind,
        amount: "",
        raw: undefined,
        preview: undefined,
        inputError: undefined,
        forfeited: [],
      },
      tx: undefined,
    });
  }

  setAmount(text: string): void {
    let raw: bigint | undefined;
    let inputError: string | undefined;
    if (text.trim() !== "") {
      try {
        raw = parseAmount(text, this.amountDecimals());
      } catch (error) {
        inputError = error instanceof AmountError ? error.message : String(error);
      }
    }
    this.setForm({ amount: text, raw, inputError, preview: undefined });
    window.clearTimeout(this.previewTimer);
    this.previewTimer = window.setTimeout(() => void this.preview(), 200);
  }

  setMax(): void {
    const { position, form } = this.state;
    if (!position) return;
    const max =
      form.kind === "deposit"
        ? position.baseBalance
        : form.kind === "withdraw"
          ? (position.exitValue ?? 0n)
          : position.shares;
    this.setAmount(amountInputValue(max, this.amountDecimals()));
  }

  setTolerance(text: string): void {
    const bps = Math.round(Number(text) * 100);
    const error = checkTolerance(bps);
    this.setForm({ toleranceBps: error ? this.state.form.toleranceBps : bps, inputError: error });
  }

  setDeadline(text: string): void {
    const minutes = Number(text);
    if (Number.isFinite(minutes) && minutes >= 1 && minutes <= 1440) this.setForm({ deadlineMinutes: minutes });
  }

  toggleForfeit(index: number): void {
    const { forfeited } = this.state.form;
    this.setForm({
      forfeited: forfeited.includes(index) ? forfeited.filter((i) => i !== index) : [...forfeited, index],
    });
  }

  private async preview(): Promise<void> {
    const { form, view, reader, connection, wrongNetwork } = this.state;
    const provider = connection && !wrongNetwork ? connection.provider : reader;
    if (!view || !provider || form.raw === undefined || form.raw === 0n) return;
    const seq = ++this.previewSeq;
    const preview = await loadPreview(provider, view, form.kind, form.raw, connection?.account);
    // A slower, older preview must not overwrite the one for what is typed now.
    if (seq === this.previewSeq && this.state.form.raw === form.raw && this.state.form.kind === form.kind) {
      this.setForm({ preview });
    }
  }

  /** What the next step of the form is: an approval (token, amount) or the flow itself. */
  approvalStep(): { token: "base" | "shares"; amount: bigint } | undefined {
    const { form, position } = this.state;
    const { preview } = form;
    if (!position || !preview || preview.error || form.raw === undefined) return undefined;
    if (form.kind === "deposit") {
      const amount = approvalNeeded(position.baseAllowance, form.raw);
      return amount > 0n ? { token: "base", amount } : undefined;
    }
    // Exits go through the router, which burns the sender's shares with its allowance.
    const shares = form.kind === "withdraw" ? maxWithTolerance(preview.quoted, form.toleranceBps) : form.raw;
    const amount = approvalNeeded(position.shareAllowance, shares);
    return amount > 0n ? { token: "shares", amount } : undefined;
  }

  private tx = (label: string, send: Parameters<typeof runTx>[1]) => {
    const { connection, view } = this.state;
    if (!connection || !view) return Promise.resolve(false);
    return runTx(
      label,
      send,
      (tx) => this.set({ tx }),
      confirmationsFor(connection.chainId),
      symbolLookup(view.tokens),
    );
  };

  async approve(): Promise<void> {
    const step = this.approvalStep();
    const { connection, view, chain } = this.state;
    if (!step || !connection || !view || !chain?.router) return;
    const label = step.token === "base" ? `Approve ${view.base.symbol}` : `Approve ${view.symbol}`;
    // The previous transaction's panel goes at once: the click is answered before the wallet is.
    this.set({ tx: startTx(label) });
    const signer = await connection.provider.getSigner(connection.account);
    const router = chain.router;
    const ok =
      step.token === "base"
        ? await this.tx(label, () => erc20At(view.base.address, signer).approve(router, step.amount))
        : await this.tx(label, () => vaultAt(view.address, signer).approve(router, step.amount));
    if (ok) await this.refresh();
  }

  /** Sends the flow through the router with the preview's bound less the tolerance, and a deadline. */
  async send(): Promise<void> {
    const { connection, view, chain, form } = this.state;
    const { preview } = form;
    if (!connection || !view || !chain?.router || !preview || preview.error || form.raw === undefined) return;
    this.set({ tx: startTx(ACTION_LABELS[form.kind]) });
    const signer = await connection.provider.getSigner(connection.account);
    const router = routerAt(chain.router, signer);
    const latest = await connection.provider.getBlock("latest");
    const deadline = deadlineAfter(latest?.timestamp ?? Math.floor(Date.now() / 1000), form.deadlineMinutes);
    const me = connection.account;
    const amount = form.raw;
    const tol = form.toleranceBps;
    let ok = false;
    switch (form.kind) {
      case "deposit":
        ok = await this.tx(ACTION_LABELS.deposit, () =>
          router.depositMin(view.address, amount, me, minWithTolerance(preview.quoted, tol), deadline),
        );
        break;
      case "redeem":
        ok = await this.tx("Redeem", () =>
          router.redeemMin(view.address, amount, me, minWithTolerance(preview.quoted, tol), deadline),
        );
        break;
      case "withdraw":
        ok = await this.tx("Withdraw", () =>
          router.withdrawMax(view.address, amount, me, maxWithTolerance(preview.quoted, tol), deadline),
        );
        break;
      case "inKind": {
        const minimums = inKindMinimums(preview.amounts ?? [], tol, form.forfeited);
        ok = await this.tx("Redeem in kind", () =>
          form.forfeited.length > 0
            ? router.redeemInKindExceptMin(view.address, amount, me, forfeitMask(form.forfeited), minimums, deadline)
            : router.redeemInKindMin(view.address, amount, me, minimums, deadline),
        );
        break;
      }
    }
    if (ok) this.setForm({ amount: "", raw: undefined, preview: undefined, forfeited: [] });
    await this.refresh();
  }
}
