/**
 * Injected by the bundler (esbuild `inject`): the app's free references to these web globals
 * resolve to stand-ins while building and to the real globals after restore. Touching the
 * real ones inside the snapshot builder loads undici and aborts V8 (node-features.ts).
 * Marked pure, so the stand-ins an app does not reference are left out of the bundle.
 */
import { webStandIn } from './deferred.js';

export const fetch = /* @__PURE__ */ webStandIn('fetch');
export const Request = /* @__PURE__ */ webStandIn('Request');
export const Response = /* @__PURE__ */ webStandIn('Response');
export const Headers = /* @__PURE__ */ webStandIn('Headers');
export const FormData = /* @__PURE__ */ webStandIn('FormData');
export const WebSocket = /* @__PURE__ */ webStandIn('WebSocket');
export const EventSource = /* @__PURE__ */ webStandIn('EventSource');
