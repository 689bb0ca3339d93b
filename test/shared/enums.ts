import { artifacts } from "hardhat";

interface AstNode {
  nodeType?: string;
  name?: string;
  nodes?: AstNode[];
  members?: { name: string }[];
}

/**
 * The members of enum `enumName` declared in `contract` (a fully qualified name), in order, from
 * the compiler's AST: what src/vault/enums.ts is checked against (test/enums.test.ts).
 */
export async function enumMembers(contract: string, enumName: string): Promise<string[]> {
  const buildInfo = await artifacts.getBuildInfo(contract);
  if (!buildInfo) throw new Error(`no build info for ${contract}`);
  const [source, name] = contract.split(":");
  const unit = buildInfo.output.sources[source]?.ast as AstNode | undefined;
  const declaration = unit?.nodes?.find((node) => node.nodeType === "ContractDefinition" && node.name === name);
  const found = declaration?.nodes?.find((node) => node.nodeType === "EnumDefinition" && node.name === enumName);
  if (!found?.members) throw new Error(`no enum ${enumName} in ${contract}`);
  return found.members.map((member) => member.name);
}

/** A table's values as contract calls and events return them (bigint), to compare without converting. */
export function bigintValues<T extends readonly string[]>(names: T): { readonly [K in T[number]]: bigint } {
  return Object.fromEntries(names.map((name, value) => [name, BigInt(value)])) as { [K in T[number]]: bigint };
}
