import Foundation

/// The built `muamala` CLI run as a process, for the tests of its commands.
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

    /// Runs `muamala <arguments>` against `databaseURL` and waits for it.
    public static func run(_ arguments: [String], databaseURL: String) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["MUAMALA_DATABASE_URL"] = databaseURL
        environment["MUAMALA_SCHEMA_DIR"] = TestDatabase.repositoryRoot.appendingPathComponent("Schema").path
        environment["MUAMALA_RULEBOOK"] = TestDatabase.repositoryRoot.appendingPathComponent("Rulebook/rulebook.json").path
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting: a full pipe would otherwise block the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }
}
