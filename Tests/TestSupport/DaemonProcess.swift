import Foundation
import Synchronization

/// `muamalad` started as a process of its own, for the tests that kill, restart or stop it.
public final class DaemonProcess: Sendable {
    public let pid: pid_t
    public let port: Int
    public let logPath: String
    private let exitStatus = Locked<Int32?>(nil)

    /// The built daemon: `MUAMALA_TEST_BIN_DIR`, else `.build/debug`.
    public static var binary: String {
        let directory = ProcessInfo.processInfo.environment["MUAMALA_TEST_BIN_DIR"]
            ?? TestDatabase.repositoryRoot.appendingPathComponent(".build/debug").path
        return directory + "/muamalad"
    }

    /// A port nobody listens on now.
    public static func freePort() -> Int {
        let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socketDescriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketDescriptor, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketDescriptor, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Starts the daemon with the given environment (added to this process's).
    public init(databaseURL: String, port: Int? = nil, environment extra: [String: String] = [:]) throws {
        let port = port ?? Self.freePort()
        self.port = port
        logPath = FileManager.default.temporaryDirectory.appendingPathComponent("muamalad-\(UUID().uuidString.prefix(8)).log").path
        var environment = ProcessInfo.processInfo.environment
        environment["MUAMALA_DATABASE_URL"] = databaseURL
        environment["MUAMALA_HTTP_PORT"] = String(port)
        environment["MUAMALA_HTTP_HOST"] = "127.0.0.1"
        environment["MUAMALA_SCHEMA_DIR"] = TestDatabase.repositoryRoot.appendingPathComponent("Schema").path
        environment["MUAMALA_RULEBOOK"] = TestDatabase.repositoryRoot.appendingPathComponent("Rulebook/rulebook.json").path
        environment["MUAMALA_LOG_LEVEL"] = environment["MUAMALA_TEST_DAEMON_LOG_LEVEL"] ?? "notice"
        for (key, value) in extra { environment[key] = value }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let arguments = [Self.binary]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, Self.binary, &actions, nil, &argv, &envp)
        guard status == 0 else { throw SetupError("cannot start \(Self.binary): error \(status) (build it with swift build)") }
        self.pid = pid
        let reaper = Thread { [pid, exitStatus] in
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            exitStatus.withLock { $0 = code }
        }
        reaper.start()
    }

    /// The exit status once the process has ended (128 + signal when killed).
    public var exited: Int32? { exitStatus.value }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Waits until `/readyz` answers 200 (or the process dies, or the timeout).
    public func waitUntilReady(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let code = exited { throw SetupError("muamalad exited with \(code) before it was ready:\n\(log)") }
            if let (status, _) = try? await HTTP.get("\(baseURL)/readyz"), status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw SetupError("muamalad was not ready within \(timeout):\n\(log)")
    }

    public func kill(_ signal: Int32 = SIGKILL) {
        _ = Glibc.kill(pid, signal)
    }

    /// Sends SIGTERM and waits for the exit; returns its status and how long it took.
    public func terminate(timeout: Duration = .seconds(30)) async throws -> (status: Int32, took: Duration) {
        let started = ContinuousClock.now
        kill(SIGTERM)
        while ContinuousClock.now - started < timeout {
            if let code = exited { return (code, ContinuousClock.now - started) }
            try await Task.sleep(for: .milliseconds(20))
        }
        kill(SIGKILL)
        throw SetupError("muamalad did not stop within \(timeout) of SIGTERM")
    }

    /// Waits for the process to end after a kill.
    public func waitForExit(timeout: Duration = .seconds(10)) async throws -> Int32 {
        let started = ContinuousClock.now
        while ContinuousClock.now - started < timeout {
            if let code = exited { return code }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw SetupError("muamalad did not exit within \(timeout)")
    }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    deinit {
        if exited == nil { _ = Glibc.kill(pid, SIGKILL) }
    }
}
