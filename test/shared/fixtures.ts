import { deployLocalMarket } from "../../src/market";
import type { LocalMarket } from "../../src/market";

/** The default local market (8 tokens, 14 pools), as `npm start` and the vault tests use it. */
export async function marketFixture(): Promise<LocalMarket> {
  return deployLocalMarket();
}
