import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import {
  AbiCoder,
  concat,
  dataLength,
  dataSlice,
  getCreate2Address,
  keccak256,
  MaxUint256,
  solidityPacked,
  Wallet,
  ZeroAddress,
} from "ethers";
import type { ContractTransactionResponse } from "ethers";

import type { LocalMarket } from "../../src/market";
import { assetRoutes, encodeRoute, reverseRoute } from "../../src/vault";
import type { RouteSpec } from "../../src/vault";
import {
  BallastVault__factory,
  ChainlinkOracle__factory,
  MockERC20__factory,
  MockUniswapFactory__factory,
} from "../../typechain-types";
import type { BallastVault, MockERC20 } from "../../typechain-types";
import type { IBallastVault } from "../../typechain-types/artifacts/contracts/BallastVault";
import { Parameter } from "../../src/vault/enums";
import { marketFixture } from "../shared/fixtures";
import { vaultFactory } from "../shared/vault";

type AssetConfig = IBallastVault.AssetConfigStruct;
type RebalanceParams = IBallastVault.RebalanceParamsStruct;

const MAX_ASSETS = 16;
/** keccak256 of UniswapV3Pool's creation code: where the canonical factory's CREATE2 puts a pool. */
const POOL_INIT_CODE_HASH = "0xe34f199b19b2b4f47f68442619d555527d244f78a3297ea89325f843f87b8b54";
const NAME = "Ballast Basket";
const SYMBOL = "BLST";
const DAY = 86_400;
const USDC_UNIT = 10n ** 6n;
const WETH_UNIT = 10n ** 18n;

const PARAMS: RebalanceParams = {
  slippageBps: 100,
  maxTradeBps: 2_500,
  maxLossBps: 100,
  minTradeValue: 10_000_000n,
  maxPoolGapBps: 5,
};

/** Who governs a vault deployed by {@link Setup.deploy}; each field defaults to the setup's own. */
interface Governance {
  admin?: string;
  guardian?: string;
}

/**
 * The fee tier of the market's direct `symbol`/USDC pool, the cheapest when there are several
 * (WETH/USDC 500). Read from the market, whose default pool list may be retuned.
 */
function directFee(market: LocalMarket, symbol: string): number {
  const fees = market.pools
    .filter((p) => [p.token0.symbol, p.token1.symbol].sort().join("/") === [symbol, "USDC"].sort().join("/"))
    .map((p) => p.fee);
  if (fees.length === 0) throw new Error(`no ${symbol}/USDC pool in the market`);
  return Math.min(...fees);
}

/** The sell route of a market asset to USDC: WBTC through WETH, the others direct. */
function sellRoute(market: LocalMarket, symbol: string): RouteSpec {
  return symbol === "WBTC" ? ["WBTC", 500, "WETH", 500, "USDC"] : [symbol, directFee(market, symbol), "USDC"];
}

/** A Uniswap V3 path over raw addresses: `[tokenA, fee, tokenB, fee, tokenC, ...]`. */
function rawPath(hops: readonly (string | number)[]): string {
  return solidityPacked(
    hops.map((_, i) => (i % 2 === 0 ? "address" : "uint24")),
    hops,
  );
}

function lower(hex: string): string {
  return hex.toLowerCase();
}

interface Setup {
  market: LocalMarket;
  factory: BallastVault__factory;
  /** The market's Uniswap V3 factory, the vaults' venue. */
  uniswapFactory: string;
  /** DEFAULT_ADMIN_ROLE of the vaults (the market's deployer). */
  admin: string;
  /** GUARDIAN_ROLE of the vaults (a fresh address, not the admin). */
  guardian: string;
  usdc: string;
  weth: string;
  wbtc: string;
  link: string;
  /** A ChainlinkOracle over the token's market feed (one per symbol, deployed on first use). */
  oracle(symbol: string): Promise<string>;
  /** The base-asset entry (no routes). */
  base(symbol: string, weightBps: number): Promise<AssetConfig>;
  /** An asset entry with a sell route and its reverse as buy route. */
  asset(symbol: string, weightBps: number, route?: RouteSpec): Promise<AssetConfig>;
  /** USDC 5%, WETH 40%, WBTC 35% (via WETH), LINK 20%. */
  defaultBasket(): Promise<AssetConfig[]>;
  deploy(
    basket: AssetConfig[],
    params?: RebalanceParams,
    uniswapFactory?: string,
    governance?: Governance,
  ): Promise<BallastVault>;
  /** A fresh MockERC20 with a pool against USDC at `fee` (uninitialised: the constructor only asks the factory). */
  extraToken(symbol: string, decimals: number, fee?: number): Promise<MockERC20>;
}

async function setup(): Promise<Setup> {
  const market = await loadFixture(marketFixture);
  const signer = market.deployer;
  const factory = await vaultFactory(signer);
  const uniswapFactory = await market.factory.getAddress();
  const admin = await signer.getAddress();
  const guardian = Wallet.createRandom().address;
  const oracles = new Map<string, string>();

  async function oracle(symbol: string): Promise<string> {
    const known = oracles.get(symbol);
    if (known) return known;
    const deployed = await new ChainlinkOracle__factory(signer).deploy(
      market.token(symbol).feed,
      DAY,
      50,
      ZeroAddress,
      0,
    );
    const address = await deployed.getAddress();
    oracles.set(symbol, address);
    return address;
  }

  async function base(symbol: string, weightBps: number): Promise<AssetConfig> {
    return {
      token: market.token(symbol).address,
      oracle: await oracle(symbol),
      targetWeightBps: weightBps,
      sellRoute: "0x",
      buyRoute: "0x",
    };
  }

  async function asset(symbol: string, weightBps: number, route?: RouteSpec): Promise<AssetConfig> {
    const sell = route ?? sellRoute(market, symbol);
    return {
      token: market.token(symbol).address,
      oracle: await oracle(symbol),
      targetWeightBps: weightBps,
      sellRoute: encodeRoute(market, sell),
      buyRoute: encodeRoute(market, reverseRoute(sell)),
    };
  }

  async function defaultBasket(): Promise<AssetConfig[]> {
    return [
      await base("USDC", 500),
      await asset("WETH", 4_000),
      await asset("WBTC", 3_500),
      await asset("LINK", 2_000),
    ];
  }

  async function deploy(
    basket: AssetConfig[],
    params: RebalanceParams = PARAMS,
    via: string = uniswapFactory,
    governance: Governance = {},
  ) {
    const vault = await factory.deploy(
      NAME,
      SYMBOL,
      via,
      basket,
      params,
      governance.admin ?? admin,
      governance.guardian ?? guardian,
    );
    await vault.waitForDeployment();
    return vault;
  }

  async function extraToken(symbol: string, decimals: number, fee = 3000): Promise<MockERC20> {
    const token = await new MockERC20__factory(signer).deploy(`Extra ${symbol}`, symbol, decimals);
    await (
      await market.factory.connect(signer).createPool(await token.getAddress(), market.token("USDC").address, fee)
    ).wait();
    return token;
  }

  return {
    market,
    factory,
    uniswapFactory,
    admin,
    guardian,
    usdc: market.token("USDC").address,
    weth: market.token("WETH").address,
    wbtc: market.token("WBTC").address,
    link: market.token("LINK").address,
    oracle,
    base,
    asset,
    defaultBasket,
    deploy,
    extraToken,
  };
}

/** An asset entry over a token that is not in the market, routed directly to/from USDC at `fee`. */
async function extraEntry(s: Setup, token: MockERC20, weightBps: number, fee = 3000): Promise<AssetConfig> {
  const address = await token.getAddress();
  return {
    token: address,
    oracle: await s.oracle("UNI"),
    targetWeightBps: weightBps,
    sellRoute: rawPath([address, fee, s.usdc]),
    buyRoute: rawPath([s.usdc, fee, address]),
  };
}

async function deploymentTx(vault: BallastVault): Promise<ContractTransactionResponse> {
  const tx = vault.deploymentTransaction();
  if (tx === null) throw new Error("no deployment transaction");
  return tx;
}

describe("BallastVault configuration", function () {
  describe("a valid deployment", function () {
    it("grants the roles, emits AssetListed for every entry in basket order, then RebalanceParamsSet, and no RebalancerSet", async function () {
      const s = await setup();
      const basket = await s.defaultBasket();
      const vault = await s.deploy(basket);
      const receipt = await (await deploymentTx(vault)).wait();
      if (receipt === null) throw new Error("no receipt");

      // Only the configuration events are ordered here (others, e.g. price records, may follow).
      const configuration = ["RoleGranted", "RebalancerSet", "AssetListed", "RebalanceParamsSet"];
      const events = receipt.logs
        .map((log) => vault.interface.parseLog(log))
        .filter((parsed) => parsed !== null)
        .map((parsed) => parsed.name)
        .filter((name) => configuration.includes(name));
      expect(events).to.deep.equal([
        "RoleGranted",
        "RoleGranted",
        "AssetListed",
        "AssetListed",
        "AssetListed",
        "AssetListed",
        "RebalanceParamsSet",
      ]);

      const listed = receipt.logs
        .map((log) => vault.interface.parseLog(log))
        .filter((parsed) => parsed?.name === "AssetListed");
      expect(listed).to.have.length(basket.length);
      listed.forEach((event, i) => {
        const entry = basket[i];
        expect(event?.args.index).to.equal(i);
        expect(event?.args.token).to.equal(entry.token);
        expect(event?.args.oracle).to.equal(entry.oracle);
        expect(event?.args.targetWeightBps).to.equal(entry.targetWeightBps);
        expect(event?.args.sellRoute).to.equal(lower(entry.sellRoute.toString()));
        expect(event?.args.buyRoute).to.equal(lower(entry.buyRoute.toString()));
      });
    });

    it("emits the events with the given arguments (chai matchers)", async function () {
      const s = await setup();
      const basket = await s.defaultBasket();
      const vault = await s.deploy(basket);
      const tx = await deploymentTx(vault);
      for (const [i, entry] of basket.entries()) {
        await expect(tx)
          .to.emit(vault, "AssetListed")
          .withArgs(i, entry.token, entry.oracle, entry.targetWeightBps, entry.sellRoute, entry.buyRoute);
      }
      // At construction the old parameters are all zero.
      await expect(tx)
        .to.emit(vault, "RebalanceParamsSet")
        .withArgs([0, 0, 0, 0, 0], [100, 2_500, 100, 10_000_000n, 5]);
      // The rebalancer is governance's to set once the vault exists (it is built for this vault).
      await expect(tx).not.to.emit(vault, "RebalancerSet");
      await expect(tx)
        .to.emit(vault, "RoleGranted")
        .withArgs(await vault.DEFAULT_ADMIN_ROLE(), s.admin, s.admin);
      await expect(tx)
        .to.emit(vault, "RoleGranted")
        .withArgs(await vault.GUARDIAN_ROLE(), s.guardian, s.admin);
    });

    it("exposes the basket: tokens (base first), weights, oracles and routes", async function () {
      const s = await setup();
      const basket = await s.defaultBasket();
      const vault = await s.deploy(basket);

      expect(await vault.basketTokens()).to.deep.equal([s.usdc, s.weth, s.wbtc, s.link]);
      expect((await vault.basketState()).targets).to.deep.equal([500n, 4_000n, 3_500n, 2_000n]);
      expect(await vault.oracles()).to.deep.equal([
        await s.oracle("USDC"),
        await s.oracle("WETH"),
        await s.oracle("WBTC"),
        await s.oracle("LINK"),
      ]);

      expect(await assetRoutes(vault, s.weth)).to.deep.equal([
        lower(encodeRoute(s.market, ["WETH", 500, "USDC"])),
        lower(encodeRoute(s.market, ["USDC", 500, "WETH"])),
      ]);
      expect(await assetRoutes(vault, s.wbtc)).to.deep.equal([
        lower(encodeRoute(s.market, ["WBTC", 500, "WETH", 500, "USDC"])),
        lower(encodeRoute(s.market, ["USDC", 500, "WETH", 500, "WBTC"])),
      ]);
      const [linkSell, linkBuy] = await assetRoutes(vault, s.link);
      expect(dataLength(linkSell)).to.equal(43);
      expect(linkSell).to.equal(lower(encodeRoute(s.market, ["LINK", 3000, "USDC"])));
      expect(linkBuy).to.equal(lower(encodeRoute(s.market, ["USDC", 3000, "LINK"])));
    });

    it("basketRoutes returns, index-aligned, exactly the routes the masks ask for (empty elsewhere)", async function () {
      const s = await setup();
      const vault = await s.deploy(await s.defaultBasket());
      const [allSells, allBuys] = await vault.basketRoutes(0b1111n, 0b1111n);
      expect(allSells[1]).to.equal(lower(encodeRoute(s.market, ["WETH", 500, "USDC"])));
      expect(allBuys[3]).to.equal(lower(encodeRoute(s.market, ["USDC", 3000, "LINK"])));
      // Sell routes of WETH and WBTC (bits 1, 2), the buy route of LINK (bit 3).
      const [sells, buys] = await vault.basketRoutes(0b0110n, 0b1000n);
      expect([...sells]).to.deep.equal(["0x", allSells[1], allSells[2], "0x"]);
      expect([...buys]).to.deep.equal(["0x", "0x", "0x", allBuys[3]]);
      const [none] = await vault.basketRoutes(0n, 0n);
      expect([...none]).to.deep.equal(["0x", "0x", "0x", "0x"]);
    });

    it("returns empty routes for the base asset", async function () {
      const s = await setup();
      const vault = await s.deploy(await s.defaultBasket());
      const [sells, buys] = await vault.basketRoutes(1n, 1n);
      expect([sells[0], buys[0]]).to.deep.equal(["0x", "0x"]);
    });

    it("exposes the execution bounds, factory, asset, name, symbol and ERC-20 state", async function () {
      const s = await setup();
      const vault = await s.deploy(await s.defaultBasket());

      const params = (await vault.basketState()).params;
      expect(params.slippageBps).to.equal(100n);
      expect(params.maxTradeBps).to.equal(2_500n);
      expect(params.maxLossBps).to.equal(100n);
      expect(params.minTradeValue).to.equal(10_000_000n);

      expect(await vault.uniswapFactory()).to.equal(s.uniswapFactory);
      expect(await vault.asset()).to.equal(s.usdc);
      expect(await vault.name()).to.equal(NAME);
      expect(await vault.symbol()).to.equal(SYMBOL);
      expect(await vault.MAX_ASSETS()).to.equal(BigInt(MAX_ASSETS));
      expect(await vault.totalSupply()).to.equal(0n);
      expect(await vault.totalAssets()).to.equal(0n);
    });

    it("has no rebalancer yet and grants the admin and guardian roles, to them only", async function () {
      const s = await setup();
      const vault = await s.deploy(await s.defaultBasket());
      const [adminRole, guardianRole] = [await vault.DEFAULT_ADMIN_ROLE(), await vault.GUARDIAN_ROLE()];
      expect(await vault.rebalancer()).to.equal(ZeroAddress);
      expect(await vault.hasRole(adminRole, s.admin)).to.be.true;
      expect(await vault.hasRole(guardianRole, s.guardian)).to.be.true;
      expect(await vault.hasRole(guardianRole, s.admin)).to.be.false;
      expect(await vault.hasRole(adminRole, s.guardian)).to.be.false;
      expect(await vault.paused()).to.be.false;
    });

    it("lets nobody, not even the admin, record prices or trade before a rebalancer is set", async function () {
      const s = await setup();
      const vault = await s.deploy(await s.defaultBasket());
      await expect(vault.recordPrices()).to.be.revertedWithCustomError(vault, "BallastNotRebalancer").withArgs(s.admin);
      await expect(vault.executeRebalance([], s.admin))
        .to.be.revertedWithCustomError(vault, "BallastNotRebalancer")
        .withArgs(s.admin);
    });

    it("has 18-decimal shares over a 6-decimal USDC base (decimals offset 12)", async function () {
      const s = await setup();
      const vault = await s.deploy(await s.defaultBasket());
      expect(await s.market.token("USDC").contract.decimals()).to.equal(6n);
      expect(await vault.decimals()).to.equal(18n);
      // The offset's 10**12 virtual shares: with an empty vault one base unit converts to 10**12 shares.
      expect(await vault.convertToShares(1n)).to.equal(10n ** 12n);
    });

    it("has 18-decimal shares over an 18-decimal WETH base (no offset)", async function () {
      const s = await setup();
      const basket = [await s.base("WETH", 6_000), await s.asset("USDC", 4_000, ["USDC", 500, "WETH"])];
      const vault = await s.deploy(basket, { ...PARAMS, minTradeValue: WETH_UNIT / 100n });
      expect(await vault.asset()).to.equal(s.weth);
      expect(await vault.decimals()).to.equal(18n);
      expect(await vault.convertToShares(1n)).to.equal(1n);
      expect(await vault.basketTokens()).to.deep.equal([s.weth, s.usdc]);
      expect(await assetRoutes(vault, s.usdc)).to.deep.equal([
        lower(encodeRoute(s.market, ["USDC", 500, "WETH"])),
        lower(encodeRoute(s.market, ["WETH", 500, "USDC"])),
      ]);
      expect(await assetRoutes(vault, s.weth)).to.deep.equal(["0x", "0x"]);
    });

    it("has 18-decimal shares over a 0-decimal base (decimals offset 18)", async function () {
      const s = await setup();
      const whole = await s.extraToken("WHOLE", 0);
      const address = await whole.getAddress();
      const basket: AssetConfig[] = [
        {
          token: address,
          oracle: await s.oracle("USDC"),
          targetWeightBps: 5_000,
          sellRoute: "0x",
          buyRoute: "0x",
        },
        {
          token: s.usdc,
          oracle: await s.oracle("USDC"),
          targetWeightBps: 5_000,
          sellRoute: rawPath([s.usdc, 3000, address]),
          buyRoute: rawPath([address, 3000, s.usdc]),
        },
      ];
      const vault = await s.deploy(basket, { ...PARAMS, minTradeValue: 1_000_000n });
      expect(await vault.decimals()).to.equal(18n);
      expect(await vault.convertToShares(1n)).to.equal(10n ** 18n);
    });

    it("deploys an eight-token basket with routes to USDC at each pool's fee tier", async function () {
      const s = await setup();
      const symbols = ["WETH", "WBTC", "LINK", "UNI", "AAVE", "CRV", "MKR"];
      const basket = [await s.base("USDC", 1_600)];
      for (const symbol of symbols)
        basket.push(await s.asset(symbol, 1_200, [symbol, directFee(s.market, symbol), "USDC"]));
      expect(directFee(s.market, "WETH")).to.equal(500);
      const vault = await s.deploy(basket);

      expect(await vault.basketTokens()).to.deep.equal(["USDC", ...symbols].map((sym) => s.market.token(sym).address));
      expect((await vault.basketState()).targets).to.deep.equal([1_600n, ...symbols.map(() => 1_200n)]);
      const crvFee = directFee(s.market, "CRV");
      expect(await assetRoutes(vault, s.market.token("CRV").address)).to.deep.equal([
        lower(encodeRoute(s.market, ["CRV", crvFee, "USDC"])),
        lower(encodeRoute(s.market, ["USDC", crvFee, "CRV"])),
      ]);
      await expect(await deploymentTx(vault))
        .to.emit(vault, "AssetListed")
        .withArgs(
          7,
          s.market.token("MKR").address,
          await s.oracle("MKR"),
          1_200,
          basket[7].sellRoute,
          basket[7].buyRoute,
        );
    });

    it(`deploys a basket of exactly MAX_ASSETS (${MAX_ASSETS}) tokens`, async function () {
      const s = await setup();
      const basket = [await s.base("USDC", 625)];
      for (const symbol of ["WETH", "WBTC", "LINK", "UNI", "AAVE", "CRV", "MKR"])
        basket.push(await s.asset(symbol, 625));
      for (let i = 0; i < MAX_ASSETS - 8; ++i) basket.push(await extraEntry(s, await s.extraToken(`X${i}`, 18), 625));
      expect(basket).to.have.length(MAX_ASSETS);
      const vault = await s.deploy(basket);
      expect(await vault.basketTokens()).to.have.length(MAX_ASSETS);
      expect((await vault.basketState()).targets.reduce((a, b) => a + b, 0n)).to.equal(10_000n);
    });

    it("accepts every execution bound at its minimum and at its maximum", async function () {
      const s = await setup();
      const basket = await s.defaultBasket();
      const lowest = { slippageBps: 1, maxTradeBps: 100, maxLossBps: 1, minTradeValue: 0n, maxPoolGapBps: 1 };
      const highest = {
        slippageBps: 500,
        maxTradeBps: 10_000,
        maxLossBps: 500,
        minTradeValue: 1_000_000n * USDC_UNIT,
        maxPoolGapBps: 500,
      };
      for (const params of [lowest, highest]) {
        const vault = await s.deploy(basket, params);
        const stored = (await vault.basketState()).params;
        expect([
          stored.slippageBps,
          stored.maxTradeBps,
          stored.maxLossBps,
          stored.minTradeValue,
          stored.maxPoolGapBps,
        ]).to.deep.equal([
          BigInt(params.slippageBps),
          BigInt(params.maxTradeBps),
          BigInt(params.maxLossBps),
          params.minTradeValue,
          BigInt(params.maxPoolGapBps),
        ]);
      }
    });

    it("accepts a route through an intermediate token and a base-asset weight of zero", async function () {
      const s = await setup();
      const basket = [
        await s.base("USDC", 0),
        await s.asset("LINK", 5_000, ["LINK", 3000, "WETH", 500, "USDC"]),
        await s.asset("WETH", 5_000),
      ];
      const vault = await s.deploy(basket);
      expect((await vault.basketState()).targets).to.deep.equal([0n, 5_000n, 5_000n]);
      expect((await assetRoutes(vault, s.link))[0]).to.equal(
        lower(encodeRoute(s.market, ["LINK", 3000, "WETH", 500, "USDC"])),
      );
    });
  });

  describe("BallastBasketSize", function () {
    it("reverts for an empty basket", async function () {
      const s = await setup();
      await expect(s.deploy([])).to.be.revertedWithCustomError(s.factory, "BallastBasketSize").withArgs(0, MAX_ASSETS);
    });

    it("reverts for a basket of only the base asset", async function () {
      const s = await setup();
      await expect(s.deploy([await s.base("USDC", 10_000)]))
        .to.be.revertedWithCustomError(s.factory, "BallastBasketSize")
        .withArgs(1, MAX_ASSETS);
    });

    it(`reverts for ${MAX_ASSETS + 1} entries`, async function () {
      const s = await setup();
      const basket = [await s.base("USDC", 600)];
      for (const symbol of ["WETH", "WBTC", "LINK", "UNI", "AAVE", "CRV", "MKR"])
        basket.push(await s.asset(symbol, 600));
      for (let i = 0; i < MAX_ASSETS + 1 - 8; ++i)
        basket.push(await extraEntry(s, await s.extraToken(`X${i}`, 18), 600));
      basket[0].targetWeightBps = 10_000 - 600 * MAX_ASSETS;
      expect(basket).to.have.length(MAX_ASSETS + 1);
      await expect(s.deploy(basket))
        .to.be.revertedWithCustomError(s.factory, "BallastBasketSize")
        .withArgs(MAX_ASSETS + 1, MAX_ASSETS);
      // The same basket less one entry is valid: size was the only problem.
      const last = basket.pop();
      basket[0].targetWeightBps = Number(basket[0].targetWeightBps) + Number(last?.targetWeightBps);
      await s.deploy(basket);
    });
  });

  describe("BallastZeroAddress", function () {
    it("reverts for a zero base token", async function () {
      const s = await setup();
      const basket = await s.defaultBasket();
      basket[0].token = ZeroAddress;
      await expect(s.deploy(basket)).to.be.revertedWithCustomError(s.factory, "BallastZeroAddress").withArgs();
    });

    it("reverts for a zero asset token", async function () {
      const s = await setup();
      const basket = await s.defaultBasket();
      basket[2].token = ZeroAddress;
      await expect(s.deploy(basket)).to.be.revertedWithCustomError(s.factory, "BallastZeroAddress").withArgs();
    });

    it("reverts for a zero base oracle", async function () {
      const s = await setup();
      const basket = await s.defaultBasket();
      basket[0].oracle = ZeroAddress;
      await expect(s.deploy(basket)).to.be.revertedWithCustomError(s.factory, "BallastZeroAddress").withArgs();
    });

    it("reverts for a zero asset oracle", async function () {
      const s = await setup();
      const basket = await s.defaultBasket();
      basket[3].oracle = ZeroAddress;
      await expect(s.deploy(basket)).to.be.revertedWithCustomError(s.factory, "BallastZeroAddress").withArgs();
    });

    it("reverts for a zero factory", async function () {
      const s = await setup();
      await expect(s.deploy(await s.defaultBasket(), PARAMS, ZeroAddress))
        .to.be.revertedWithCustomError(s.factory, "BallastZeroAddress")
        .withArgs();
    });

    it("reverts for a zero admin", async function () {
      const s = await setup();
      await expect(s.deploy(await s.defaultBasket(), PARAMS, s.uniswapFactory, { admin: ZeroAddress }))
        .to.be.revertedWithCustomError(s.factory, "BallastZeroAddress")
        .withArgs();
    });

    it("reverts for a zero guardian", async function () {
      const s = await setup();
      await expect(s.deploy(await s.defaultBasket(), PARAMS, s.uniswapFactory, { guardian: ZeroAddress }))
        .to.be.revertedWithCustomError(s.factory, "BallastZeroAddress")
        .withArgs();
    });

    it("reverts for a factory that is not a contract, naming it", async function () {
      const s = await setup();
      const account = Wallet.createRandom().address;
      await expect(s.deploy(await s.defaultBasket(), PARAMS, account))
        .to.be.revertedWithCustomError(s.factory, "BallastNotAContract")
        .withArgs(account);
    });

    it("reverts for a contract that is not a factory (no getPool())", async function () {
      const s = await setup();
      await expect(s.deploy(await s.defaultBasket(), PARAMS, s.link)).to.be.reverted;
    });
  });

  describe("BallastPoolAddress", function () {
    it("reverts for a factory whose pools are not where Uniswap's pool code would be, naming both addresses", async function () {
      const s = await setup();
      const signer = s.market.deployer;
      // A fork's factory: it knows the pool, which its CREATE2 did not put at the canonical address.
      const fork = await new MockUniswapFactory__factory(signer).deploy();
      const pool = await s.market.factory.getPool(s.weth, s.usdc, 500);
      await fork.setPool(s.weth, s.usdc, 500, pool);
      const [token0, token1] = BigInt(s.weth) < BigInt(s.usdc) ? [s.weth, s.usdc] : [s.usdc, s.weth];
      const computed = getCreate2Address(
        await fork.getAddress(),
        keccak256(AbiCoder.defaultAbiCoder().encode(["address", "address", "uint24"], [token0, token1, 500])),
        POOL_INIT_CODE_HASH,
      );
      const basket = [await s.base("USDC", 5_000), await s.asset("WETH", 5_000, ["WETH", 500, "USDC"])];
      await expect(s.deploy(basket, PARAMS, await fork.getAddress()))
        .to.be.revertedWithCustomError(s.factory, "BallastPoolAddress")
        .withArgs(pool, computed);
      // The same basket over the real factory deploys: its pools are where the vault computes them.
      await expect(s.deploy(basket)).to.not.be.reverted;
    });
  });

  describe("BallastDuplicateToken", function () {
    it("reverts when the base asset is listed again as an asset", async function () {
      const s = await setup();
      const basket = [await s.base("USDC", 5_000), await s.base("USDC", 5_000)];
      await expect(s.deploy(basket)).to.be.revertedWithCustomError(s.factory, "BallastDuplicateToken").withArgs(s.usdc);
    });

    it("reverts when an asset is listed twice, naming it", async function () {
      const s = await setup();
      const basket = [
        await s.base("USDC", 1_000),
        await s.asset("WETH", 3_000),
        await s.asset("LINK", 3_000),
        await s.asset("WETH", 3_000, ["WETH", 3000, "USDC"]),
      ];
      await expect(s.deploy(basket)).to.be.revertedWithCustomError(s.factory, "BallastDuplicateToken").withArgs(s.weth);
    });
  });

  describe("BallastWeightsSum", function () {
    for (const [baseWeight, sum] of [
      [499, 9_999],
      [501, 10_001],
      [0, 9_500],
      [65_535, 75_035],
    ]) {
      it(`reverts for weights summing to ${sum}`, async function () {
        const s = await setup();
        const basket = await s.defaultBasket();
        basket[0].targetWeightBps = baseWeight;
        await expect(s.deploy(basket)).to.be.revertedWithCustomError(s.factory, "BallastWeightsSum").withArgs(sum);
      });
    }

    it("reverts for all-zero weights", async function () {
      const s = await setup();
      const basket = await s.defaultBasket();
      for (const entry of basket) entry.targetWeightBps = 0;
      await expect(s.deploy(basket)).to.be.revertedWithCustomError(s.factory, "BallastWeightsSum").withArgs(0);
    });
  });

  describe("BallastUnsupportedDecimals", function () {
    it("reverts for a base asset with 24 decimals, before any route or pool is looked at", async function () {
      const s = await setup();
      const wide = await new MockERC20__factory(s.market.deployer).deploy("Wide", "WIDE", 24);
      const basket = await s.defaultBasket();
      basket[0].token = await wide.getAddress();
      // The other entries' routes now end at USDC instead of the base: they would fail too if reached.
      await expect(s.deploy(basket))
        .to.be.revertedWithCustomError(s.factory, "BallastUnsupportedDecimals")
        .withArgs(await wide.getAddress(), 24);
    });

    it("reverts for a base asset with 19 decimals", async function () {
      const s = await setup();
      const wide = await new MockERC20__factory(s.market.deployer).deploy("Wide", "WIDE", 19);
      const basket = await s.defaultBasket();
      basket[0].token = await wide.getAddress();
      await expect(s.deploy(basket))
        .to.be.revertedWithCustomError(s.factory, "BallastUnsupportedDecimals")
        .withArgs(await wide.getAddress(), 19);
    });

    it("reverts with decimals type(uint256).max for a base asset without decimals()", async function () {
      const s = await setup();
      const account = Wallet.createRandom().address;
      const basket = await s.defaultBasket();
      basket[0].token = account;
      await expect(s.deploy(basket))
        .to.be.revertedWithCustomError(s.factory, "BallastUnsupportedDecimals")
        .withArgs(account, MaxUint256);
    });

    it("checks an asset's routes before its decimals: a 24-decimal asset without a pool fails on the pool", async function () {
      const s = await setup();
      const wide = await new MockERC20__factory(s.market.deployer).deploy("Wide", "WIDE", 24);
      const address = await wide.getAddress();
      const basket = await s.defaultBasket();
      basket[3] = {
        token: address,
        oracle: await s.oracle("LINK"),
        targetWeightBps: 2_000,
        sellRoute: rawPath([address, 3000, s.usdc]),
        buyRoute: rawPath([s.usdc, 3000, address]),
      };
      await expect(s.deploy(basket))
        .to.be.revertedWithCustomError(s.factory, "BallastRoutePoolMissing")
        .withArgs(address, s.usdc, 3000);
    });

    it("reverts for a 24-decimal asset whose routes are valid", async function () {
      const s = await setup();
      const wide = await s.extraToken("WIDE", 24);
      const basket = await s.defaultBasket();
      basket[3] = await extraEntry(s, wide, 2_000);
      await expect(s.deploy(basket))
        .to.be.revertedWithCustomError(s.factory, "BallastUnsupportedDecimals")
        .withArgs(await wide.getAddress(), 24);
    });
  });

  describe("BallastBaseRoute", function () {
    it("reverts when the base asset has a sell route", async function () {
      const s = await setup();
      const basket = await s.defaultBasket();
      basket[0].sellRoute = encodeRoute(s.market, ["USDC", 500, "WETH"]);
      await expect(s.deploy(basket)).to.be.revertedWithCustomError(s.factory, "BallastBaseRoute").withArgs();
    });

    it("reverts when the base asset has a buy route", async function () {
      const s = await setup();
      const basket = await s.defaultBasket();
      basket[0].buyRoute = encodeRoute(s.market, ["WETH", 500, "USDC"]);
      await expect(s.deploy(basket)).to.be.revertedWithCustomError(s.factory, "BallastBaseRoute").withArgs();
    });

    it("reverts even for a single stray byte", async function () {
      const s = await setup();
      const basket = await s.defaultBasket();
      basket[0].buyRoute = "0x00";
      await expect(s.deploy(basket)).to.be.revertedWithCustomError(s.factory, "BallastBaseRoute").withArgs();
    });
  });

  describe("BallastEmptyRoute", function () {
    it("reverts for an asset with an empty sell route", async function () {
      const s = await setup();
      const basket = await s.defaultBasket();
      basket[1].sellRoute = "0x";
      await expect(s.deploy(basket)).to.be.revertedWithCustomError(s.factory, "BallastEmptyRoute").withArgs(s.weth);
    });

    it("reverts for an asset with an empty buy route", async function () {
      const s = await setup();
      const basket = await s.defaultBasket();
      basket[2].buyRoute = "0x";
      await expect(s.deploy(basket)).to.be.revertedWithCustomError(s.factory, "BallastEmptyRoute").withArgs(s.wbtc);
    });
  });

  describe("BallastMalformedRoute", function () {
    it("reverts for a 42-byte sell route (one byte short of a hop)", async function () {
      const s = await setup();
      const basket = await s.defaultBasket();
      const route = encodeRoute(s.market, ["WETH", 500, "USDC"]);
      basket[1].sellRoute = dataSlice(route, 0, 42);
      await expect(s.deploy(basket))
        .to.be.revertedWithCustomError(s.factory, "BallastMalformedRoute")
        .withArgs(s.weth, 42);
    });

    it("reverts for a 44-byte sell route (one byte past a hop)", async function () {
      const s = await setup();
      const basket = await s.defaultBasket();
      basket[1].sellRoute = concat([encodeRoute(s.market, ["WETH", 500, "USDC"]), "0x00"]);
      await expect(s.deploy(basket))
        .to.be.revertedWithCustomError(s.factory, "BallastMalformedRoute")
        .withArgs(s.weth, 44);
    });

    it("reverts for a route that is a single token", async function () {
      const s = await setup();
      const basket = await s.defaultBasket();
      basket[3].sellRoute = s.link;
      await expect(s.deploy(basket))
        .to.be.revertedWithCustomError(s.factory, "BallastMalformedRoute")
        .withArgs(s.link, 20);
    });

    it("reverts for a malformed two-hop buy route (65 bytes)", async function () {
      const s = await setup();
      const basket = await s.defaultBasket();
      const route = encodeRoute(s.market, ["USDC", 500, "WETH", 500, "WBTC"]);
      expect(dataLength(route)).to.equal(66);
      basket[2].buyRoute = dataSlice(route, 0, 65);
      await expect(s.deploy(basket))
        .to.be.revertedWithCustomError(s.factory, "BallastMalformedRoute")
        .withArgs(s.wbtc, 65);
    });
  });

  describe("BallastRouteEndpoints", function () {
    it("reverts for a sell route starting at the wrong token", async function () {
      const s = await setup();
      const basket = await s.defaultBasket();
      basket[1].sellRoute = encodeRoute(s.market, ["LINK", 3000, "USDC"]);
      await expect(s.deploy(basket))
        .to.be.revertedWithCustomError(s.factory, "BallastRouteEndpoints")
        .withArgs(s.weth, s.weth, s.link, s.usdc, s.usdc);
    });

    it("reverts for a sell route ending at the wrong token", async function () {
      const s = await setup();
      const basket = await s.defaultBasket();
      basket[2].sellRoute = encodeRoute(s.market, ["WBTC", 500, "WETH"]);
      await expect(s.deploy(basket))
        .to.be.revertedWithCustomError(s.factory, "BallastRouteEndpoints")
        .withArgs(s.wbtc, s.wbtc, s.wbtc, s.usdc, s.weth);
    });

    it("reverts for a buy route given in the sell direction", async function () {
      const s = await setup();
      const basket = await s.defaultBasket();
      basket[1].buyRoute = basket[1].sellRoute;
      await expect(s.deploy(basket))
        .to.be.revertedWithCustomError(s.factory, "BallastRouteEndpoints")
        .withArgs(s.weth, s.usdc, s.weth, s.weth, s.usdc);
    });

    it("reverts for a sell route given in the buy direction", async function () {
      const s = await setup();
      const basket = await s.defaultBasket();
      basket[3].sellRoute = basket[3].buyRoute;
      await expect(s.deploy(basket))
        .to.be.revertedWithCustomError(s.factory, "BallastRouteEndpoints")
        .withArgs(s.link, s.link, s.usdc, s.usdc, s.link);
    });

    it("reverts for a buy route ending at another asset", async function () {
      const s = await setup();
      const basket = await s.defaultBasket();
      basket[2].buyRoute = encodeRoute(s.market, ["USDC", 500, "WETH"]);
      await expect(s.deploy(basket))
        .to.be.revertedWithCustomError(s.factory, "BallastRouteEndpoints")
        .withArgs(s.wbtc, s.usdc, s.usdc, s.wbtc, s.weth);
    });
  });

  describe("BallastRoutePoolMissing", function () {
    it("reverts for a sell hop at a fee tier with no pool (WETH 100 USDC)", async function () {
      const s = await setup();
      const basket = await s.defaultBasket();
      expect(await s.market.factory.getPool(s.weth, s.usdc, 100)).to.equal(ZeroAddress);
      basket[1].sellRoute = encodeRoute(s.market, ["WETH", 100, "USDC"]);
      await expect(s.deploy(basket))
        .to.be.revertedWithCustomError(s.factory, "BallastRoutePoolMissing")
        .withArgs(s.weth, s.usdc, 100);
    });

    it("reverts for a buy hop at a fee tier with no pool (USDC 10000 WETH)", async function () {
      const s = await setup();
      const basket = await s.defaultBasket();
      expect(await s.market.factory.getPool(s.usdc, s.weth, 10000)).to.equal(ZeroAddress);
      basket[1].buyRoute = encodeRoute(s.market, ["USDC", 10000, "WETH"]);
      await expect(s.deploy(basket))
        .to.be.revertedWithCustomError(s.factory, "BallastRoutePoolMissing")
        .withArgs(s.usdc, s.weth, 10000);
    });

    it("checks every hop of a multi-hop route", async function () {
      const s = await setup();
      const basket = await s.defaultBasket();
      basket[2].sellRoute = encodeRoute(s.market, ["WBTC", 500, "WETH", 100, "USDC"]);
      await expect(s.deploy(basket))
        .to.be.revertedWithCustomError(s.factory, "BallastRoutePoolMissing")
        .withArgs(s.weth, s.usdc, 100);
    });

    it("reverts for a hop between two tokens that have no pool at all", async function () {
      const s = await setup();
      const basket = await s.defaultBasket();
      const uni = s.market.token("UNI").address;
      for (const fee of [100, 500, 3000, 10000])
        expect(await s.market.factory.getPool(s.link, uni, fee)).to.equal(ZeroAddress);
      basket[3].sellRoute = encodeRoute(s.market, ["LINK", 3000, "UNI", 3000, "USDC"]);
      await expect(s.deploy(basket))
        .to.be.revertedWithCustomError(s.factory, "BallastRoutePoolMissing")
        .withArgs(s.link, uni, 3000);
    });

    it("reverts for a fee tier the factory does not know", async function () {
      const s = await setup();
      const basket = await s.defaultBasket();
      basket[3].buyRoute = encodeRoute(s.market, ["USDC", 1234, "LINK"]);
      await expect(s.deploy(basket))
        .to.be.revertedWithCustomError(s.factory, "BallastRoutePoolMissing")
        .withArgs(s.usdc, s.link, 1234);
    });
  });

  describe("BallastParameterOutOfRange", function () {
    const cases: {
      name: string;
      field: keyof RebalanceParams;
      parameter: number;
      value: bigint;
      min: bigint;
      max: bigint;
    }[] = [
      {
        name: "slippageBps below 1",
        field: "slippageBps",
        parameter: Parameter.SlippageBps,
        value: 0n,
        min: 1n,
        max: 500n,
      },
      {
        name: "slippageBps above 500",
        field: "slippageBps",
        parameter: Parameter.SlippageBps,
        value: 501n,
        min: 1n,
        max: 500n,
      },
      {
        name: "maxTradeBps below 100",
        field: "maxTradeBps",
        parameter: Parameter.MaxTradeBps,
        value: 99n,
        min: 100n,
        max: 10_000n,
      },
      {
        name: "maxTradeBps above 10000",
        field: "maxTradeBps",
        parameter: Parameter.MaxTradeBps,
        value: 10_001n,
        min: 100n,
        max: 10_000n,
      },
      {
        name: "maxLossBps below 1",
        field: "maxLossBps",
        parameter: Parameter.MaxLossBps,
        value: 0n,
        min: 1n,
        max: 500n,
      },
      {
        name: "maxLossBps above 500",
        field: "maxLossBps",
        parameter: Parameter.MaxLossBps,
        value: 501n,
        min: 1n,
        max: 500n,
      },
      {
        name: "minTradeValue above 1M USDC",
        field: "minTradeValue",
        parameter: Parameter.MinTradeValue,
        value: 1_000_000n * USDC_UNIT + 1n,
        min: 0n,
        max: 1_000_000n * USDC_UNIT,
      },
      {
        name: "minTradeValue far above 1M USDC",
        field: "minTradeValue",
        parameter: Parameter.MinTradeValue,
        value: (1n << 128n) - 1n,
        min: 0n,
        max: 1_000_000n * USDC_UNIT,
      },
    ];

    for (const c of cases) {
      it(`reverts for ${c.name}`, async function () {
        const s = await setup();
        await expect(s.deploy(await s.defaultBasket(), { ...PARAMS, [c.field]: c.value }))
          .to.be.revertedWithCustomError(s.factory, "BallastParameterOutOfRange")
          .withArgs(c.parameter, c.value, c.min, c.max);
      });
    }

    it("bounds minTradeValue by 1M whole tokens of an 18-decimal base", async function () {
      const s = await setup();
      const basket = [await s.base("WETH", 6_000), await s.asset("USDC", 4_000, ["USDC", 500, "WETH"])];
      const max = 1_000_000n * WETH_UNIT;
      // 1M USDC-sized bounds would refuse this; the bound follows the base asset's decimals.
      const vault = await s.deploy(basket, { ...PARAMS, minTradeValue: max });
      expect((await vault.basketState()).params.minTradeValue).to.equal(max);
      await expect(s.deploy(basket, { ...PARAMS, minTradeValue: max + 1n }))
        .to.be.revertedWithCustomError(s.factory, "BallastParameterOutOfRange")
        .withArgs(Parameter.MinTradeValue, max + 1n, 0, max);
    });
  });
});
