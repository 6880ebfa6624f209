import Foundation
import PQ
import Synchronization

/// Where the integration tests find PostgreSQL.
///
/// `Scripts/test` starts a throwaway cluster and exports `MUAMALA_TEST_DATABASE_URL`.
/// Without it, the tests use the cluster that `Scripts/pg start` makes in this checkout.
/// A missing server is a failure with a clear message, never a silent skip.
public enum TestDatabase {
    /// The repository root, found from this file's path.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static var url: String {
        if let url = ProcessInfo.processInfo.environment["MUAMALA_TEST_DATABASE_URL"], !url.isEmpty {
            return url
        }
        let socket = repositoryRoot.appendingPathComponent(".local/pg/socket").path
        return "postgresql:///muamala?host=\(socket)&port=5432&user=muamala"
    }

    public static var config: ConnectionConfig {
        ConnectionConfig(connectionString: url, connectTimeout: .seconds(5), applicationName: "muamala-tests")
    }

    /// A session to the test database.
    public static func connect() async throws -> Connection {
        do {
            return try await Connection.connect(config)
        } catch {
            throw SetupError("cannot reach the test database (\(config)); run the tests with Scripts/test, or start Scripts/pg: \(error)")
        }
    }

    /// A cluster that tests may restart, with the command that restarts it.
    /// `Scripts/test` provides it; tests that need it fail clearly without it.
    public static var restartable: (config: ConnectionConfig, restartCommand: String, url: String)? {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment["MUAMALA_TEST_RESTART_DATABASE_URL"], !url.isEmpty,
              let command = environment["MUAMALA_TEST_RESTART_COMMAND"], !command.isEmpty else { return nil }
        return (ConnectionConfig(connectionString: url, connectTimeout: .seconds(5), applicationName: "muamala-tests"), command, url)
    }

    /// A name no other test uses, for tables, channels and databases.
    public static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
    }
}

public struct SetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Runs a shell command on a thread of its own and waits for it without blocking the
/// cooperative pool; throws when it fails. (posix_spawn and waitpid: Foundation's Process
/// sometimes never reports the end of a command that starts a daemon, such as pg_ctl.)
public func runShell(_ command: String) async throws {
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            var pid: pid_t = 0
            let arguments = ["/bin/bash", "-c", command]
            var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
            defer { for pointer in argv { free(pointer) } }
            let spawned = posix_spawn(&pid, "/bin/bash", nil, nil, &argv, environ)
            guard spawned == 0 else {
                continuation.resume(throwing: SetupError("could not start /bin/bash: error \(spawned)"))
                return
            }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            // WIFEXITED / WEXITSTATUS, spelled out (the macros do not import).
            let exited = status & 0x7f == 0
            continuation.resume(returning: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f))
        }
        thread.start()
    }
    guard status == 0 else {
        throw SetupError("command failed with status \(status): \(command)")
    }
}

/// A value shared between test tasks, behind a lock.
public final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    public init(_ value: Value) { mutex = Mutex(value) }
    public func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
    public var value: Value { mutex.withLock { $0 } }
}

/// One test at a time may use the cluster that tests restart: a restart would break the
/// other's work. Test suites run in parallel, so the turn is taken here.
public actor RestartableClusterTurn {
    public static let shared = RestartableClusterTurn()
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    public func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        if busy {
            await withCheckedContinuation { waiting.append($0) }
        }
        busy = true
        defer {
            if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
        }
        return try await body()
    }
}

extension TestDatabase {
    /// Runs `body` with the restartable cluster, alone; records an issue-worthy error when
    /// Scripts/test did not provide one.
    public static func withRestartableCluster<T: Sendable>(
        _ body: @Sendable (_ config: ConnectionConfig, _ url: String, _ restartCommand: String) async throws -> T
    ) async throws -> T {
        guard let cluster = restartable else {
            throw SetupError("MUAMALA_TEST_RESTART_DATABASE_URL and MUAMALA_TEST_RESTART_COMMAND are not set; run Scripts/test")
        }
        return try await RestartableClusterTurn.shared.run {
            try await body(cluster.config, cluster.url, cluster.restartCommand)
        }
    }
}
