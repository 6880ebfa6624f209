import Crypto
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
        guard let cluster = ProjectFiles.find(".local/pg/data")?.deletingLastPathComponent() else { return nil }
        return "postgresql:///muamala?host=\(socketDirectory(cluster: cluster))&port=5432&user=muamala"
    }

    /// The same rule as Scripts/pg: a socket path must stay short, so the socket of a deep
    /// checkout lives under /tmp, named after the cluster folder.
    static func socketDirectory(cluster: URL) -> String {
        let directory = cluster.resolvingSymlinksInPath().path
        if directory.count <= 70 { return directory + "/socket" }
        let digest = Insecure.MD5.hash(data: Data(directory.utf8)).map { String(format: "%02x", $0) }.joined()
        return "/tmp/muamala-sock-" + digest.prefix(12)
    }
}
