/**
 * src/vault/enums.ts against the compiler: each table is its enum member for member, in order, and
 * every enum a contract's ABI carries has a table. Enums internal to a library (VaultLogic.Side,
 * SequencerUptime.State) appear in no ABI, so nothing off chain can receive them and they need none.
 */
import { expect } from "chai";
import { artifacts } from "hardhat";

import {
  Parameter,
  PARAMETER_NAMES,
  parameterName,
  Status,
  STATUS_NAMES,
  statusName,
  Trip,
  TRIP_NAMES,
  tripName,
} from "../src/vault/enums";
import { enumMembers } from "./shared/enums";

/** Each table by the name an ABI's `internalType` gives its enum, with the contract declaring it. */
const TABLES: Record<string, { contract: string; names: readonly string[] }> = {
  "IBallastPolicy.Status": { contract: "contracts/interfaces/IBallastPolicy.sol:IBallastPolicy", names: STATUS_NAMES },
  "IBallastBreakers.Trip": {
    contract: "contracts/interfaces/IBallastBreakers.sol:IBallastBreakers",
    names: TRIP_NAMES,
  },
  "IBallastErrors.Parameter": {
    contract: "contracts/interfaces/IBallastErrors.sol:IBallastErrors",
    names: PARAMETER_NAMES,
  },
};

describe("Contract enums (src/vault/enums.ts)", () => {
  for (const [name, { contract, names }] of Object.entries(TABLES)) {
    it(`${name} is the contract's, member for member`, async () => {
      const enumName = name.split(".")[1];
      expect([...names]).to.deep.equal(await enumMembers(contract, enumName));
    });
  }

  it("has a table for every enum a contract's ABI carries", async () => {
    const carried = new Set<string>();
    for (const contract of await artifacts.getAllFullyQualifiedNames()) {
      if (!contract.startsWith("contracts/")) continue;
      const { abi } = await artifacts.readArtifact(contract);
      for (const match of JSON.stringify(abi).matchAll(/"internalType":"enum ([\w.]+)"/g)) carried.add(match[1]);
    }
    expect(carried.size, "no enum found: the ABIs were not read").to.be.greaterThan(0);
    expect(Object.keys(TABLES)).to.include.members([...carried]);
  });

  it("gives each name its position as its value", () => {
    expect(Status.Due).to.equal(0);
    expect(Status.LegUnfit).to.equal(STATUS_NAMES.length - 1);
    expect(Trip.None).to.equal(0);
    expect(Parameter.CostToleranceBps).to.equal(PARAMETER_NAMES.length - 1);
    for (const [value, name] of PARAMETER_NAMES.entries()) expect(Parameter[name]).to.equal(value);
  });

  it("names a value off the table Unknown(n), never a member", () => {
    expect(statusName(2n)).to.equal("NotDue");
    expect(statusName(STATUS_NAMES.length)).to.equal(`Unknown(${STATUS_NAMES.length})`);
    expect(statusName(-1)).to.equal("Unknown(-1)");
    expect(tripName(3)).to.equal("Dislocation");
    expect(tripName(255n)).to.equal("Unknown(255)");
    expect(parameterName(PARAMETER_NAMES.length)).to.equal(`Unknown(${PARAMETER_NAMES.length})`);
  });
});
