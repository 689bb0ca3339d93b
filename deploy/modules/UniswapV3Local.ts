import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { Artifact } from "@nomicfoundation/ignition-core";
import SwapRouter02 from "@uniswap/swap-router-contracts/artifacts/contracts/SwapRouter02.sol/SwapRouter02.json";
import Factory from "@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json";
import PositionManager from "@uniswap/v3-periphery/artifacts/contracts/NonfungiblePositionManager.sol/NonfungiblePositionManager.json";
import PositionDescriptor from "@uniswap/v3-periphery/artifacts/contracts/NonfungibleTokenPositionDescriptor.sol/NonfungibleTokenPositionDescriptor.json";
import NFTDescriptor from "@uniswap/v3-periphery/artifacts/contracts/libraries/NFTDescriptor.sol/NFTDescriptor.json";
import QuoterV2 from "@uniswap/v3-periphery/artifacts/contracts/lens/QuoterV2.sol/QuoterV2.json";
import SwapRouter from "@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json";
import WETH9 from "canonical-weth/build/contracts/WETH9.json";
import { encodeBytes32String } from "ethers";

/** canonical-weth ships a Truffle artifact; Ignition takes the same bytecode in its own shape. */
const weth9: Artifact = {
  contractName: WETH9.contractName,
  sourceName: "canonical-weth/WETH9.sol",
  abi: WETH9.abi,
  bytecode: WETH9.bytecode,
  linkReferences: {},
};

/**
 * Uniswap V3 as deployed on mainnet, for a chain that has none (the in-process `hardhat` network or
 * `localhost`): every contract comes from the compiled artifacts on npm, never recompiled.
 */
export default buildModule("UniswapV3Local", (m) => {
  const weth = m.contract("WETH9", weth9);
  const factory = m.contract("UniswapV3Factory", Factory as Artifact);
  // Mainnet governance enabled the 1 bp tier after deployment; mirror it.
  m.call(factory, "enableFeeAmount", [100, 1]);
  const router = m.contract("SwapRouter", SwapRouter as Artifact, [factory, weth]);
  const nftDescriptor = m.library("NFTDescriptor", NFTDescriptor as Artifact);
  const positionDescriptor = m.contract(
    "NonfungibleTokenPositionDescriptor",
    PositionDescriptor as Artifact,
    [weth, encodeBytes32String("ETH")],
    { libraries: { NFTDescriptor: nftDescriptor } },
  );
  const positionManager = m.contract("NonfungiblePositionManager", PositionManager as Artifact, [
    factory,
    weth,
    positionDescriptor,
  ]);
  const quoter = m.contract("QuoterV2", QuoterV2 as Artifact, [factory, weth]);
  // The router of Base, Sepolia and newer deployments (no V2 factory here: its V2 paths stay unused).
  const router02 = m.contract("SwapRouter02", SwapRouter02 as Artifact, [
    "0x0000000000000000000000000000000000000000",
    factory,
    positionManager,
    weth,
  ]);
  return { weth, factory, router, router02, nftDescriptor, positionDescriptor, positionManager, quoter };
});
