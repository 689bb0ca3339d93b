/** Boots the app: one controller, one lit-html render of the whole page per state change. */
import { render } from "lit-html";

import { Controller } from "./controller";
import { page } from "./ui/page";
import "./styles.css";

const root = document.getElementById("app");
if (!root) throw new Error("#app is missing from index.html");

const controller = new Controller();
let frame = 0;
let firstRender = false;
/** Chart.js is a third of the bundle: its own chunk, fetched once the first render is on screen. */
let charts: typeof import("./ui/charts") | undefined;
function loadCharts(): void {
  void import("./ui/charts").then((module) => {
    charts = module;
    controller.redraw();
  });
}

controller.onChange(() => {
  // Coalesce bursts of changes into one render per frame.
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    const state = controller.state;
    render(page(state, controller), root);
    if ((state.view || state.headline) && !firstRender) {
      // First meaningful render: the vault's NAV is in the document (read by the e2e run).
      firstRender = true;
      performance.mark("ballast:first-meaningful-render");
      loadCharts();
    }
    if (charts && state.view && state.page === "vault") {
      charts.drawWeights(state.view);
      if (state.prices.length > 1) charts.drawSharePrice(state.prices, state.view.base.decimals);
    }
    document.body.dataset.ready = state.view ? "true" : "false";
    document.body.dataset.refreshing = state.refreshing ? "true" : "false";
    document.body.dataset.block = String(state.view?.block ?? "");
  });
});

render(page(controller.state, controller), root);
void controller.start();
