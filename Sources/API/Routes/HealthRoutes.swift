import Foundation
import Hummingbird
import Logging
import PQ
import Prometheus
import Store

/// `/healthz` (the process is alive), `/readyz` (the database answers, takes writes and its
/// migrations are current) and `/metrics` (Prometheus text format).
struct HealthRoutes {
    let pool: ConnectionPool
    let migrator: Migrator
    let registry: PrometheusCollectorRegistry
    let logger: Logger

    func register(on router: some RouterMethods<APIRequestContext>) {
        router.get("/healthz") { _, _ in
            try jsonResponse(["status": "alive"])
        }
        router.get("/readyz") { _, _ in
            try await readiness()
        }
        router.get("/metrics") { _, _ in
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16 * 1024)
            registry.emit(into: &buffer)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
    }

    private func readiness() async throws -> Response {
        do {
            let ask = { @Sendable (connection: Connection) async throws -> (Migrator.Status, Bool) in
                (try await migrator.status(connection), try await ServerRole.isWritable(connection))
            }
            let (status, writable): (Migrator.Status, Bool)
            do {
                (status, writable) = try await pool.withConnection(ask)
            } catch let error as PQError where error.isConnectionLoss {
                // A session that died with a server restart: the pool drops it; ask once more.
                (status, writable) = try await pool.withConnection(ask)
            }
            guard writable else {
                return try jsonResponse(["status": "not ready", "reason": "the database is read-only (a standby)"], status: .serviceUnavailable)
            }
            guard status.isCurrent else {
                return try jsonResponse([
                    "status": "not ready",
                    "reason": "migrations pending: \(status.pending.map { "\($0.version)_\($0.name)" }.joined(separator: ", "))"
                        + (status.changed.isEmpty ? "" : "; changed since applied: \(status.changed.map(\.version))"),
                ], status: .serviceUnavailable)
            }
            return try jsonResponse(["status": "ready", "schema_version": String(status.applied.last?.version ?? 0)])
        } catch {
            // The error's text stays in the log: /readyz is public.
            logger.warning("not ready: the database is unreachable", metadata: ["error": .string(String(reflecting: error))])
            return try jsonResponse(["status": "not ready", "reason": "no writable database answers"], status: .serviceUnavailable)
        }
    }
}
