export default function Layout({ title, children }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <title>{title}</title>
      </head>
      <body>
        <nav>
          <a href="/">Home</a> | <a href="/products">Products</a>
        </nav>
        <main>{children}</main>
      </body>
    </html>
  );
}
