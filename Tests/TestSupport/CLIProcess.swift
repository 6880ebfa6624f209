import Foundation

/// The built `muamala` CLI run as a process, for the tests of its commands.
///
/// Spawned with `posix_spawn` and its output sent to files, as `DaemonProcess` does:
/// Foundation's `Process` with pipes crashed the whole test process when a read was
/// interrupted by a signal (`FileHandle.readDataToEndOfFile` uses `try!`).
public enum CLIProcess {
    public struct Output: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// `MUAMALA_TEST_BIN_DIR`, else `.build/debug` (as for the daemon).
    public static var binary: String {
        let directory = ProcessInfo.processInfo.environment["MUAMALA_TEST_BIN_DIR"]
            ?? TestDatabase.repositoryRoot.appendingPathComponent(".build/debug").path
        return directory + "/muamala"
    }

    /// Runs `muamala <arguments>` against `databaseURL` and waits for it (off Swift's
    /// cooperative pool: the wait blocks a thread of its own).
    public static func run(_ arguments: [String], databaseURL: String, environment extra: [String: String] = [:]) async throws -> Output {
        var environment = ProcessInfo.processInfo.environment
        environment["MUAMALA_DATABASE_URL"] = databaseURL
        environment["MUAMALA_SCHEMA_DIR"] = TestDatabase.repositoryRoot.appendingPathComponent("Schema").path
        environment["MUAMALA_RULEBOOK"] = TestDatabase.repositoryRoot.appendingPathComponent("Rulebook/rulebook.json").path
        for (key, value) in extra { environment[key] = value }
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("muamala-cli-\(UUID().uuidString.prefix(8))").path
        let outPath = base + ".out", errPath = base + ".err"
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var argv: [UnsafeMutablePointer<CChar>?] = ([binary] + arguments).map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, binary, &actions, nil, &argv, &envp)
        guard spawned == 0 else { throw SetupError("cannot start \(binary): error \(spawned) (build it with swift build)") }

        let status = await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            Thread { [pid] in
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                continuation.resume(returning: status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f))
            }.start()
        }
        return Output(status: status,
                      stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }
}
