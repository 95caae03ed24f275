/**
 * Text into HTML, the one way thaw's pages do it (flame graphs, the bench report, the page
 * visualizer). Pure: it runs in the CLI and in the browser.
 */

/** Text in an element or an attribute value. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** JSON inside <script>: `</script>` and U+2028/9 must not end or break the script. */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}
