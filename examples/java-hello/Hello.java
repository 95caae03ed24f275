import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The JVM counterpart of examples/hello: JDK HttpServer, GET /hello answers "Hello World", and
 * GET /uuid a fresh UUID.randomUUID() (every restore of one VM image must answer with its own).
 * Listens on $PORT (thaw bench gives every run a free port), 8080 without it, on $HOST
 * (127.0.0.1 without it; a thaw microVM guest sets 0.0.0.0 so its forwarded port reaches it).
 */
public final class Hello {
    public static void main(String[] args) throws IOException {
        // Without TCP_NODELAY the JDK server's separate header and body writes meet the
        // client's delayed ACK (Nagle), and every keep-alive response waits ~40 ms.
        // sun.net.httpserver.ServerConfig reads this property when HttpServer first loads.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        String env = System.getenv("PORT");
        int port = env == null || env.isEmpty() ? 8080 : Integer.parseInt(env);
        String host = System.getenv().getOrDefault("HOST", "127.0.0.1");
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
        server.createContext("/hello", Hello::hello);
        server.createContext("/uuid", ex -> send(ex, UUID.randomUUID() + "\n"));
        server.start();
        System.out.println("java-hello: listening on http://" + host + ":" + port + "/hello");
    }

    private static void hello(HttpExchange ex) throws IOException {
        send(ex, "Hello World");
    }

    private static void send(HttpExchange ex, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        int status = "GET".equals(ex.getRequestMethod()) ? 200 : 405;
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
        }
    }
}
