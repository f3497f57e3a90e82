/*
 * DynamoDB Local listening on 127.0.0.1 only. Its command line has no host option, so this builds
 * the server exactly as its own main does (ServerRunner.createServerFromCommandLineArgs, the same
 * arguments), sets the host of each of its Jetty connectors to 127.0.0.1, and starts it. Telemetry
 * is never set up (the workshop passes -disableTelemetry as well).
 *
 * emulators.ts runs it in Java's single-file source mode the first time
 * (java -cp DynamoDBLocal.jar LoopbackDynamoDbLocal.java <DynamoDB Local arguments>), which compiles
 * it on every start (about 1.3 s of CPU); so once started, it compiles itself into the directory
 * named by -Dlauncher.cache (jdk.compiler is part of the JRE too) and later starts run that class.
 */
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

public class LoopbackDynamoDbLocal {
  private static final String LOOPBACK = "127.0.0.1";

  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    if (proxy == null) System.exit(2);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    Connector[] connectors = server.getConnectors();
    if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local built a server without connectors: nothing to bind to " + LOOPBACK);
    for (Connector connector : connectors) {
      if (!(connector instanceof ServerConnector)) throw new IllegalStateException("cannot bind " + connector + " to " + LOOPBACK);
      ((ServerConnector) connector).setHost(LOOPBACK);
    }
    proxy.start();
    String cache = System.getProperty("launcher.cache");
    String source = System.getProperty("launcher.source");
    if (cache != null && source != null) compileInto(Path.of(source), Path.of(cache));
  }

  /** Compiles this file into `directory` (through a temporary directory, so a half-written class is never used). */
  private static void compileInto(Path source, Path directory) {
    try {
      JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
      if (compiler == null || Files.exists(directory)) return;
      Files.createDirectories(directory.getParent());
      Path temporary = Files.createTempDirectory(directory.getParent(), "compiling-");
      int status = compiler.run(null, null, null, "-nowarn", "-cp", System.getProperty("java.class.path"), "-d", temporary.toString(), source.toString());
      try {
        if (status == 0) Files.move(temporary, directory, StandardCopyOption.ATOMIC_MOVE);
      } catch (java.nio.file.FileSystemException compiledMeanwhile) {
        // another DynamoDB Local compiled it at the same time: theirs is used
      } finally {
        if (Files.exists(temporary)) deleteTree(temporary);
      }
    } catch (Exception error) {
      System.err.println("LoopbackDynamoDbLocal: could not cache the compiled launcher (each start compiles it again): " + error);
    }
  }

  private static void deleteTree(Path root) throws Exception {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) Files.delete(path);
    }
  }
}
