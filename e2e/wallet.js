/*
 * A test EIP-1193 wallet, injected into the page before the app loads (Playwright's
 * addInitScript) and announced over EIP-6963. It forwards to the Hardhat node, which signs with
 * its unlocked accounts. The e2e run steers it through `window.__testWallet`: reject the next
 * request (EIP-1193 code 4001, as a user pressing "Reject"), report another chain (the
 * wrong-network journey), or not know the node's chain until it is added (4902).
 * Plain browser JavaScript: it runs in the page, outside the app's bundle.
 */
(function () {
  "use strict";
  var config = window.__TEST_WALLET_CONFIG;
  var chainId = config.chainId;
  var known = config.knownChains.slice();
  var listeners = { accountsChanged: [], chainChanged: [], connect: [], disconnect: [] };
  var rejectNext = false;
  var nextId = 1;
  var requests = [];
  var watched = [];
  // Requests a real wallet asks its user about: the ones "reject the next request" applies to.
  var ASKS_USER = [
    "eth_requestAccounts",
    "eth_sendTransaction",
    "wallet_switchEthereumChain",
    "wallet_addEthereumChain",
    "wallet_watchAsset",
    "personal_sign",
    "eth_signTypedData_v4",
  ];

  function rpcError(code, message, data) {
    var error = new Error(message);
    error.code = code;
    if (data !== undefined) error.data = data;
    return error;
  }

  function emit(event, value) {
    (listeners[event] || []).forEach(function (fn) {
      fn(value);
    });
  }

  function forward(method, params) {
    return fetch(config.rpcUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method: method, params: params || [] }),
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (reply) {
        if (reply.error) throw rpcError(reply.error.code, reply.error.message, reply.error.data);
        return reply.result;
      });
  }

  var provider = {
    isBallastTestWallet: true,
    request: function (args) {
      var method = args.method;
      var params = args.params;
      requests.push(method);
      if (rejectNext && ASKS_USER.indexOf(method) >= 0) {
        rejectNext = false;
        return Promise.reject(rpcError(4001, "User rejected the request."));
      }
      switch (method) {
        case "eth_requestAccounts":
        case "eth_accounts":
          return Promise.resolve([config.account]);
        case "eth_chainId":
          return Promise.resolve(chainId);
        case "net_version":
          return Promise.resolve(String(parseInt(chainId, 16)));
        case "wallet_switchEthereumChain":
          if (known.indexOf(params[0].chainId) < 0) {
            return Promise.reject(rpcError(4902, "Unrecognized chain ID " + params[0].chainId));
          }
          chainId = params[0].chainId;
          emit("chainChanged", chainId);
          return Promise.resolve(null);
        case "wallet_addEthereumChain":
          if (known.indexOf(params[0].chainId) < 0) known.push(params[0].chainId);
          return Promise.resolve(null);
        case "wallet_watchAsset":
          watched.push(params);
          return Promise.resolve(true);
        default:
          if (chainId !== config.nodeChainId) {
            return Promise.reject(rpcError(4901, "The test wallet only reaches the node's chain"));
          }
          return forward(method, params);
      }
    },
    on: function (event, fn) {
      (listeners[event] = listeners[event] || []).push(fn);
      return provider;
    },
    removeListener: function (event, fn) {
      listeners[event] = (listeners[event] || []).filter(function (f) {
        return f !== fn;
      });
      return provider;
    },
  };

  window.__testWallet = {
    rejectNext: function () {
      rejectNext = true;
    },
    setChain: function (id) {
      chainId = id;
      emit("chainChanged", id);
    },
    chainId: function () {
      return chainId;
    },
    setAccount: function (account) {
      config.account = account;
      emit("accountsChanged", [account]);
    },
    requests: requests,
    watched: watched,
  };

  var info = Object.freeze({
    uuid: "3c5e7a2e-0b8e-4d55-9b54-ballast-test",
    name: "Test Wallet",
    icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 10 10'%3E%3Crect width='10' height='10' fill='%230267a8'/%3E%3C/svg%3E",
    rdns: "dev.ballast.testwallet",
  });
  function announce() {
    window.dispatchEvent(
      new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info: info, provider: provider }) }),
    );
  }
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
})();
