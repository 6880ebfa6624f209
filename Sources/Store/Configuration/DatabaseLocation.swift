import Foundation
import PQ

/// Where the database is, for the CLI and the daemon alike.
///
/// In order: an explicit URL (a flag), `MUAMALA_DATABASE_URL`, then the private cluster that
/// `Scripts/pg start` runs for this checkout (found by walking up from the current folder
/// and from the program to a `.local/pg/data` folder).
public enum DatabaseLocation {
    public static func resolve(
        explicit: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let url = environment["MUAMALA_DATABASE_URL"], !url.isEmpty { return url }
        if let embedded = embeddedClusterURL() { return embedded }
        throw MigrationError(
            "no database given: set MUAMALA_DATABASE_URL (a libpq URL), pass --database-url, "
            + "or start the embedded cluster with Scripts/pg start")
    }

    /// The URL `Scripts/pg url` prints, when such a cluster exists above us.
    static func embeddedClusterURL() -> String? {
        let starts = [
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
            URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent(),
        ]
        for start in starts {
            var folder = start.standardizedFileURL
            for _ in 0..<8 {
                let cluster = folder.appendingPathComponent(".local/pg")
                if FileManager.default.fileExists(atPath: cluster.appendingPathComponent("data").path) {
                    let socket = cluster.path.count <= 70 ? cluster.appendingPathComponent("socket").path : nil
                    guard let socket else { return nil }
                    return "postgresql:///muamala?host=\(socket)&port=5432&user=muamala"
                }
                let parent = folder.deletingLastPathComponent()
                if parent.path == folder.path { break }
                folder = parent
            }
        }
        return nil
    }
}
