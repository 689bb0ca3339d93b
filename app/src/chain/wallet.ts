/**
 * Wallets: discovered by EIP-6963 (every installed wallet announces itself), falling back to the
 * legacy `window.ethereum`; connecting, following account and chain changes, switching (and
 * adding) the chain, and offering the share token (`wallet_watchAsset`).
 */
import { BrowserProvider, toQuantity } from "ethers";
import type { Eip1193Provider } from "ethers";

import type { ChainConfig } from "./config";

export interface Eip1193 extends Eip1193Provider {
  on?(event: string, listener: (...args: unknown[]) => void): void;
  removeListener?(event: string, listener: (...args: unknown[]) => void): void;
}

export interface WalletInfo {
  uuid: string;
  name: string;
  icon: string;
  rdns: string;
}

export interface DiscoveredWallet {
  info: WalletInfo;
  provider: Eip1193;
}

interface AnnounceEvent extends Event {
  detail: DiscoveredWallet;
}

/**
 * Listens for EIP-6963 announcements and asks wallets to announce. Calls `onChange` with the list
 * whenever it grows; after `fallbackMs` without any, offers `window.ethereum` when present.
 */
export function discoverWallets(onChange: (wallets: DiscoveredWallet[]) => void, fallbackMs = 400): () => void {
  const wallets = new Map<string, DiscoveredWallet>();
  const onAnnounce = (event: Event) => {
    const { detail } = event as AnnounceEvent;
    if (!detail?.info?.uuid || wallets.has(detail.info.uuid)) return;
    wallets.set(detail.info.uuid, detail);
    onChange([...wallets.values()]);
  };
  window.addEventListener("eip6963:announceProvider", onAnnounce);
  window.dispatchEvent(new Event("eip6963:requestProvider"));
  const timer = window.setTimeout(() => {
    const legacy = (window as Window & { ethereum?: Eip1193 }).ethereum;
    if (wallets.size === 0 && legacy) {
      wallets.set("legacy", { info: { uuid: "legacy", name: "Browser wallet", icon: "", rdns: "" }, provider: legacy });
      onChange([...wallets.values()]);
    }
  }, fallbackMs);
  return () => {
    window.removeEventListener("eip6963:announceProvider", onAnnounce);
    window.clearTimeout(timer);
  };
}

export interface Connection {
  wallet: DiscoveredWallet;
  account: string;
  chainId: number;
  provider: BrowserProvider;
}

export async function connect(wallet: DiscoveredWallet): Promise<Connection> {
  const accounts = (await wallet.provider.request({ method: "eth_requestAccounts" })) as string[];
  const chainId = Number(await wallet.provider.request({ method: "eth_chainId" }));
  if (!accounts[0]) throw new Error("The wallet shared no account");
  return { wallet, account: accounts[0], chainId, provider: new BrowserProvider(wallet.provider, "any") };
}

/** Follows the wallet's account and chain without a reload; returns the unsubscribe. */
export function followWallet(
  wallet: DiscoveredWallet,
  onAccounts: (accounts: string[]) => void,
  onChain: (chainId: number) => void,
): () => void {
  const accounts = (...args: unknown[]) => onAccounts((args[0] as string[]) ?? []);
  const chain = (...args: unknown[]) => onChain(Number(args[0]));
  wallet.provider.on?.("accountsChanged", accounts);
  wallet.provider.on?.("chainChanged", chain);
  return () => {
    wallet.provider.removeListener?.("accountsChanged", accounts);
    wallet.provider.removeListener?.("chainChanged", chain);
  };
}

function errorCode(error: unknown): unknown {
  const e = error as { code?: unknown; data?: { originalError?: { code?: unknown } } };
  return e?.data?.originalError?.code ?? e?.code;
}

/** Switches the wallet to `chain`, adding it first when the wallet does not know it (4902). */
export async function switchChain(wallet: DiscoveredWallet, chain: ChainConfig): Promise<void> {
  const chainId = toQuantity(chain.chainId);
  try {
    await wallet.provider.request({ method: "wallet_switchEthereumChain", params: [{ chainId }] });
  } catch (error) {
    if (errorCode(error) !== 4902 || !chain.rpcUrl) throw error;
    await wallet.provider.request({
      method: "wallet_addEthereumChain",
      params: [
        {
          chainId,
          chainName: chain.name,
          rpcUrls: [chain.rpcUrl],
          nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
        },
      ],
    });
    await wallet.provider.request({ method: "wallet_switchEthereumChain", params: [{ chainId }] });
  }
}

/** Offers the vault's share token to the wallet's token list. */
export async function watchShareToken(
  wallet: DiscoveredWallet,
  token: { address: string; symbol: string; decimals: number },
): Promise<boolean> {
  return (await wallet.provider.request({
    method: "wallet_watchAsset",
    params: { type: "ERC20", options: token },
  })) as boolean;
}
