export const prerender = false;

export function load({ url }) {
  return { path: url.pathname };
}
