import Crypto
import Foundation
import PQ

/// The development cluster of this checkout (`Scripts/pg`), for the CLI's fallback when no
/// database is configured (`Settings.database`).
public enum DatabaseLocation {
    /// The URL `Scripts/pg url` prints, when such a cluster exists above us.
    public static func embeddedClusterURL() -> String? {
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
