import { artifacts } from "hardhat";

interface AstNode {
  nodeType?: string;
  name?: string;
  nodes?: AstNode[];
  members?: { name: string }[];
}

/**
 * The members of enum `enumName` declared in `contract` (a fully qualified name), in order, from
 * the compiler's AST: the contracts are the one source of the names tests use.
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

/** The value of `IBallastErrors.Parameter.<name>`. */
export async function parameterIndex(name: string): Promise<bigint> {
  const members = await enumMembers("contracts/interfaces/IBallastErrors.sol:IBallastErrors", "Parameter");
  const index = members.indexOf(name);
  if (index < 0) throw new Error(`no Parameter ${name}`);
  return BigInt(index);
}
