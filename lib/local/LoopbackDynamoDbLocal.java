/*
 * DynamoDB Local listening on 127.0.0.1 only. Its command line has no host option, so this builds
 * the server exactly as its own main does (ServerRunner.createServerFromCommandLineArgs, the same
 * arguments), sets the host of each of its Jetty connectors to 127.0.0.1, and starts it. Telemetry
 * is never set up (the workshop passes -disableTelemetry as well).
 *
 * With -Dlauncher.scratchDisk=true the database in -dbPath is scratch data (emulators.ts empties
 * the directory before every start, as a team's tables start empty at every start): SQLite is
 * then told not to wait for the disk (PRAGMA synchronous=OFF, rollback journal in memory). On disk
 * rather than in memory, a team's database no longer grows the process's memory with every message
 * (about 1.7 KB each in memory); with SQLite's default fsyncs (several per write) it managed only a
 * fifth of the in-memory write rate, without them about the same. See DEVELOPERS.md.
 *
 * emulators.ts runs it in Java's single-file source mode the first time
 * (java -cp DynamoDBLocal.jar LoopbackDynamoDbLocal.java <DynamoDB Local arguments>), which compiles
 * it on every start (about 1.3 s of CPU); so once started, it compiles itself into the directory
 * named by -Dlauncher.cache (jdk.compiler is part of the JRE too) and later starts run that class.
 */
import com.almworks.sqlite4java.SQLiteConnection;
import com.almworks.sqlite4java.SQLiteJob;
import com.almworks.sqlite4java.SQLiteQueue;
import com.almworks.sqlite4java.SQLiteStatement;
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.AbstractLocalDynamoDBServerHandler;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import com.amazonaws.services.dynamodbv2.local.server.LocalDynamoDBRequestHandler;
import com.amazonaws.services.dynamodbv2.local.shared.access.LocalDBClient;
import com.amazonaws.services.dynamodbv2.local.shared.access.sqlite.SQLiteDBAccess;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
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
    Server server = (Server) fieldOf(proxy, DynamoDBProxyServer.class, "server");
    Connector[] connectors = server.getConnectors();
    if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local built a server without connectors: nothing to bind to " + LOOPBACK);
    for (Connector connector : connectors) {
      if (!(connector instanceof ServerConnector)) throw new IllegalStateException("cannot bind " + connector + " to " + LOOPBACK);
      ((ServerConnector) connector).setHost(LOOPBACK);
    }
    if (Boolean.getBoolean("launcher.scratchDisk")) skipDiskSyncs(proxy);
    proxy.start();
    String cache = System.getProperty("launcher.cache");
    String source = System.getProperty("launcher.source");
    if (cache != null && source != null) compileInto(Path.of(source), Path.of(cache));
  }

  /**
   * Turns SQLite's waits for the disk off for the shared database (-sharedDb: one database, one
   * SQLite connection behind one queue), which DynamoDB Local makes here, before the server starts.
   * Fails the start when anything is not as expected, rather than run with the slow settings.
   */
  private static void skipDiskSyncs(DynamoDBProxyServer proxy) throws Exception {
    Object serverHandler = fieldOf(proxy, DynamoDBProxyServer.class, "serverHandler");
    Object requestHandler = fieldOf(serverHandler, AbstractLocalDynamoDBServerHandler.class, "primaryHandler");
    if (!(requestHandler instanceof LocalDynamoDBRequestHandler)) throw new IllegalStateException("launcher.scratchDisk: unexpected request handler " + requestHandler);
    Method sharedClient = LocalDynamoDBRequestHandler.class.getDeclaredMethod("getHandler", String.class);
    sharedClient.setAccessible(true);
    Object access = fieldOf(sharedClient.invoke(requestHandler, "launcher"), LocalDBClient.class, "dbAccess");
    if (!(access instanceof SQLiteDBAccess)) throw new IllegalStateException("launcher.scratchDisk: the database is not SQLite on disk (" + access + ")");
    SQLiteQueue queue = (SQLiteQueue) fieldOf(access, SQLiteDBAccess.class, "queue");
    String settings = queue.execute(new SQLiteJob<String>() {
      @Override
      protected String job(SQLiteConnection connection) throws Throwable {
        connection.exec("PRAGMA synchronous=OFF");
        connection.exec("PRAGMA journal_mode=MEMORY");
        return pragma(connection, "synchronous") + " " + pragma(connection, "journal_mode") + " " + connection.getDatabaseFile();
      }
    }).complete();
    if (settings == null || !settings.startsWith("0 memory ")) throw new IllegalStateException("launcher.scratchDisk: SQLite kept " + settings);
    System.err.println("LoopbackDynamoDbLocal: scratch database, SQLite synchronous=OFF, journal in memory: " + settings.substring("0 memory ".length()));
  }

  private static String pragma(SQLiteConnection connection, String name) throws Exception {
    SQLiteStatement statement = connection.prepare("PRAGMA " + name);
    try {
      return statement.step() ? statement.columnString(0) : null;
    } finally {
      statement.dispose();
    }
  }

  private static Object fieldOf(Object object, Class<?> owner, String name) throws Exception {
    Field field = owner.getDeclaredField(name);
    field.setAccessible(true);
    return field.get(object);
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
