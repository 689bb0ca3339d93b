import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "artifacts/",
      "cache/",
      "typechain-types/",
      "coverage/",
      "reports/",
      "dist/",
      "app/dist/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    // Tool configs that their tools load with require(): CommonJS.
    files: ["**/*.js"],
    languageOptions: { sourceType: "commonjs", globals: { module: "writable", require: "readonly" } },
  },
  {
    // The e2e test wallet: a plain script that Playwright injects into the page (no module, no bundler).
    files: ["e2e/wallet.js"],
    languageOptions: {
      sourceType: "script",
      globals: { window: "readonly", fetch: "readonly", CustomEvent: "readonly", Event: "readonly" },
    },
  },
  {
    // chai's `expect(x).to.be.true` style is an expression statement.
    files: ["test/**/*.ts", "e2e/**/*.ts"],
    rules: { "@typescript-eslint/no-unused-expressions": "off" },
  },
);
