// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// OpenZeppelin's TimelockController, compiled here so that deploy code and tests get its artifact
// and typechain factory. Governance of every Ballast contract goes through it.
// solhint-disable-next-line no-unused-import
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
