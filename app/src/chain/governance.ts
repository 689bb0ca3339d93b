/**
 * The governance page's reads: every parameter of the vault and of its rebalancer's policy and
 * breakers with its bounds, and the timelock's pending operations decoded against the contracts' ABIs.
 */
import type { Interface, Provider, Result } from "ethers";

import {
  breakersAt,
  breakersInterface,
  policyAt,
  policyInterface,
  rebalancerInterface,
  timelockAt,
  timelockInterface,
  vaultAt,
  vaultInterface,
} from "./contracts";

export interface Parameter {
  group: string;
  name: string;
  value: string;
  /** "≤ 500" etc.; empty when the contracts set no bound. */
  bounds: string;
}

/** The contracts whose bounds are public constants: the policy's and the breakers'. */
type BoundedContract = "policy" | "breakers";
type BoundConstant = readonly [contract: BoundedContract, parameter: string, side: "min" | "max", constant: string];

/**
 * Each bound the policy and the breakers hold in a public constant, read from the chain: the
 * contract, the parameter it bounds, which side, and the constant's name.
 */
const BOUND_CONSTANTS: readonly BoundConstant[] = [
  ["policy", "triggerBandBps", "max", "MAX_TRIGGER_BAND_BPS"],
  ["policy", "cooldown", "max", "MAX_COOLDOWN"],
  ["policy", "calendarInterval", "max", "MAX_CALENDAR_INTERVAL"],
  ["policy", "referenceVolBps", "max", "MAX_REFERENCE_VOL_BPS"],
  ["policy", "averagingTime", "max", "MAX_AVERAGING_TIME"],
  ["policy", "minObservationInterval", "max", "MAX_OBSERVATION_INTERVAL"],
  ["policy", "benefitPerBpWad", "max", "MAX_BENEFIT_PER_BP_WAD"],
  ["policy", "maxCostRatioBps", "max", "MAX_COST_RATIO_BPS"],
  ["policy", "gasBase", "max", "MAX_GAS_BASE"],
  ["policy", "gasPerHop", "max", "MAX_GAS_PER_HOP"],
  ["breakers", "twapWindow", "min", "MIN_TWAP_WINDOW"],
  ["breakers", "twapWindow", "max", "MAX_TWAP_WINDOW"],
  ["breakers", "maxOracleTwapDeviationBps", "max", "MAX_DEVIATION_BPS"],
  ["breakers", "maxSpotTwapTicks", "max", "MAX_SPOT_TWAP_TICKS"],
  ["breakers", "maxMoveBps", "max", "MAX_DEVIATION_BPS"],
  ["breakers", "moveWindow", "max", "MAX_MOVE_WINDOW"],
  ["breakers", "sequencerGracePeriod", "max", "MAX_SEQUENCER_GRACE"],
  ["breakers", "cooldown", "max", "MAX_BREAKER_COOLDOWN"],
];

/**
 * Vault bounds: internal constants of BallastVault.sol with no getter (documented in
 * IBallastVault's setFeeParams and setRebalanceParams), so they are stated here.
 */
const VAULT_BOUNDS: Record<string, string> = {
  slippageBps: "≤ 500",
  maxTradeBps: "≥ 100",
  maxLossBps: "≤ 500",
  managementFeeBps: "≤ 500",
  entryFeeBps: "≤ 100",
  exitFeeBps: "≤ 100",
};

/** A struct return value (an ethers Result at run time, whatever typechain calls its type) as rows. */
function structRows(group: string, value: object, bounds: (name: string) => string): Parameter[] {
  const fields = (value as Result).toObject();
  return Object.entries(fields).map(([name, v]) => ({ group, name, value: String(v), bounds: bounds(name) }));
}

/**
 * The vault's parameters, then its rebalancer's policy's and breakers' (none while the vault has no
 * rebalancer).
 */
export async function loadParameters(
  provider: Provider,
  vaultAddress: string,
  policyAddress: string | undefined,
  breakersAddress: string | undefined,
): Promise<Parameter[]> {
  const vault = vaultAt(vaultAddress, provider);
  const [{ params: rebalanceParams }, feeParams, policyRows, breakerRows] = await Promise.all([
    vault.basketState(),
    vault.feeParams(),
    policyAddress ? policyParameters(provider, policyAddress) : Promise.resolve([]),
    breakersAddress ? breakerParameters(provider, breakersAddress) : Promise.resolve([]),
  ]);
  return [
    ...structRows("Vault: execution", rebalanceParams, (n) => VAULT_BOUNDS[n] ?? ""),
    ...structRows("Vault: fees", feeParams, (n) => VAULT_BOUNDS[n] ?? ""),
    ...policyRows,
    ...breakerRows,
  ];
}

/** `contract`'s bounds, its constants read at `address`, as "≥ min, ≤ max" by parameter name. */
async function boundsOf(
  provider: Provider,
  address: string,
  iface: Interface,
  contract: BoundedContract,
): Promise<(name: string) => string> {
  const rows = BOUND_CONSTANTS.filter(([of]) => of === contract);
  const values = new Map<string, bigint>();
  await Promise.all(
    [...new Set(rows.map(([, , , constant]) => constant))].map(async (name) => {
      const result = await provider.call({ to: address, data: iface.encodeFunctionData(name, []) });
      values.set(name, iface.decodeFunctionResult(name, result)[0] as bigint);
    }),
  );
  return (name: string) => {
    const bound = (side: "min" | "max") => rows.find(([, parameter, s]) => parameter === name && s === side)?.[3];
    const min = bound("min");
    const max = bound("max");
    return [min && `≥ ${values.get(min)}`, max && `≤ ${values.get(max)}`].filter(Boolean).join(", ");
  };
}

async function policyParameters(provider: Provider, policyAddress: string): Promise<Parameter[]> {
  const policy = policyAt(policyAddress, provider);
  const [bound, trigger, volatility, costs] = await Promise.all([
    boundsOf(provider, policyAddress, policyInterface, "policy"),
    policy.triggerParams(),
    policy.volatilityParams(),
    policy.costParams(),
  ]);
  return [
    ...structRows("Policy: triggers", trigger, bound),
    ...structRows("Policy: volatility", volatility, bound),
    ...structRows("Policy: cost gate", costs, bound),
  ];
}

async function breakerParameters(provider: Provider, breakersAddress: string): Promise<Parameter[]> {
  const breakers = breakersAt(breakersAddress, provider);
  const [bound, params, minObservations] = await Promise.all([
    boundsOf(provider, breakersAddress, breakersInterface, "breakers"),
    breakers.breakerParams(),
    breakers.minObservations(),
  ]);
  return [
    ...structRows("Breakers", params, bound),
    { group: "Breakers", name: "minObservations", value: String(minObservations), bounds: "≤ 65535" },
  ];
}

export interface PendingCall {
  target: string;
  /** `vault.setFeeParams(...)`, `rebalancer.setPolicy(...)`, or the selector when no ABI knows it. */
  summary: string;
}

/** The contracts whose calls the page decodes, by address. */
export interface GovernedContracts {
  vault: string;
  rebalancer?: string;
  policy?: string;
  breakers?: string;
  timelock: string;
}

export interface PendingOperation {
  id: string;
  /** Unix seconds when it may execute. */
  eta: bigint;
  ready: boolean;
  calls: PendingCall[];
}

function decodeCall(target: string, data: string, known: { address: string; label: string; iface: Interface }[]) {
  const match = known.find((k) => k.address.toLowerCase() === target.toLowerCase());
  const parsed = match?.iface.parseTransaction({ data });
  if (!match || !parsed) return `${target}: ${data.slice(0, 10)}`;
  const args = parsed.fragment.inputs.map((input, i) => `${input.name}=${formatArg(parsed.args[i])}`);
  return `${match.label}.${parsed.name}(${args.join(", ")})`;
}

function formatArg(value: unknown): string {
  if (Array.isArray(value)) return `(${value.map(formatArg).join(", ")})`;
  return String(value);
}

/** Operations scheduled on the timelock and neither executed nor cancelled, oldest first. */
export async function loadPendingOperations(
  provider: Provider,
  contracts: GovernedContracts,
  latest: number,
): Promise<PendingOperation[]> {
  const timelockAddress = contracts.timelock;
  const timelock = timelockAt(timelockAddress, provider);
  const scheduled = timelockInterface.getEvent("CallScheduled");
  if (!scheduled) return [];
  const logs = await provider.getLogs({
    address: timelockAddress,
    topics: [scheduled.topicHash],
    fromBlock: Math.max(0, latest - 50_000),
    toBlock: latest,
  });
  const known = [
    { address: contracts.vault, label: "vault", iface: vaultInterface },
    { address: contracts.rebalancer, label: "rebalancer", iface: rebalancerInterface },
    { address: contracts.policy, label: "policy", iface: policyInterface },
    { address: contracts.breakers, label: "breakers", iface: breakersInterface },
    { address: timelockAddress, label: "timelock", iface: timelockInterface },
  ].filter((k): k is { address: string; label: string; iface: Interface } => k.address !== undefined);
  const byId = new Map<string, PendingCall[]>();
  for (const log of logs) {
    const parsed = timelockInterface.parseLog(log);
    if (!parsed) continue;
    const id = parsed.args.id as string;
    const calls = byId.get(id) ?? [];
    calls.push({
      target: parsed.args.target as string,
      summary: decodeCall(parsed.args.target, parsed.args.data, known),
    });
    byId.set(id, calls);
  }
  const operations = await Promise.all(
    [...byId.entries()].map(async ([id, calls]) => {
      const [pending, ready, eta] = await Promise.all([
        timelock.isOperationPending(id),
        timelock.isOperationReady(id),
        timelock.getTimestamp(id),
      ]);
      return pending ? { id, eta, ready, calls } : undefined;
    }),
  );
  return operations.filter((op): op is PendingOperation => op !== undefined);
}
