/**
 * Where Ballast lives on each chain: live chains from the deployment config (built in by
 * app/vite.config.ts), the local node from the `reports/node-addresses.json` that `npm run node`
 * writes (fetched at run time: its addresses change with every node).
 */
import { chains as builtIn } from "virtual:ballast-chains";

export const LOCAL_CHAIN_ID = 31337;

export interface ChainConfig {
  chainId: number;
  name: string;
  explorer?: string;
  /** JSON-RPC URL for reading without a wallet (the local node; `?rpc=` overrides). */
  rpcUrl?: string;
  vault?: string;
  router?: string;
  timelock?: string;
  tokens: Record<string, string>;
}

interface NodeAddressesFile {
  chainId: number;
  addresses: Record<string, string>;
}

/** The local node's addresses, or undefined when no node wrote them. */
async function localChain(rpcUrl: string): Promise<ChainConfig | undefined> {
  try {
    const response = await fetch("./node-addresses.json");
    if (!response.ok) return undefined;
    const file = (await response.json()) as NodeAddressesFile;
    const { addresses } = file;
    if (!addresses?.BallastVault) return undefined;
    const tokens = Object.fromEntries(Object.entries(addresses).filter(([name]) => /^[A-Z0-9]+$/.test(name)));
    return {
      chainId: file.chainId,
      name: "Ballast local",
      rpcUrl,
      vault: addresses.BallastVault,
      router: addresses.BallastRouter,
      timelock: addresses.TimelockController,
      tokens,
    };
  } catch {
    return undefined;
  }
}

/** Every chain the app knows, the local node first when it answers. */
export async function loadChains(params: URLSearchParams): Promise<ChainConfig[]> {
  const rpcUrl = params.get("rpc") ?? "http://127.0.0.1:8545";
  const local = await localChain(rpcUrl);
  const live = builtIn.filter((chain) => chain.vault);
  return local ? [local, ...live] : live;
}

/** The chain shown without a wallet: `?chain=`, else the local node, else the first deployment. */
export function defaultChain(chains: readonly ChainConfig[], params: URLSearchParams): ChainConfig | undefined {
  const wanted = Number(params.get("chain"));
  return chains.find((chain) => chain.chainId === wanted) ?? chains[0];
}

/** A link to a transaction on the chain's explorer (none on the local node). */
export function txLink(chain: ChainConfig | undefined, hash: string): string | undefined {
  return chain?.explorer ? `${chain.explorer}/tx/${hash}` : undefined;
}

/** Blocks on top of its own a transaction waits for before it is "confirmed". */
export function confirmationsFor(chainId: number): number {
  return chainId === LOCAL_CHAIN_ID ? 1 : 2;
}
