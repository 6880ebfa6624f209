import Metrics

/// The engine's metrics (swift-metrics; exported by the daemon as Prometheus text).
///
/// Names follow OpenTelemetry style: `muamala.requests` becomes `muamala_requests_total`.
public struct EngineMetrics: Sendable {
    public init() {}

    /// A request decided or otherwise finished, by service and outcome.
    public func finished(service: String, outcome: String) {
        finished([(service, outcome)])
    }

    /// Requests finished together (a batch): one counter lookup per service and outcome in
    /// it, not one per request.
    public func finished(_ requests: [(service: String, outcome: String)]) {
        var counts: [String: [String: Int]] = [:]
        for request in requests { counts[request.service, default: [:]][request.outcome, default: 0] += 1 }
        for (service, outcomes) in counts {
            for (outcome, count) in outcomes {
                Counter(label: "muamala_requests_total", dimensions: [("service", service), ("outcome", outcome)]).increment(by: count)
            }
        }
    }

    /// Time from claiming a batch to committing it, once per request in it.
    public func decided(batchSeconds: Double, count: Int) {
        let timer = Metrics.Timer(label: "muamala_decision_duration_seconds", preferredDisplayUnit: .seconds)
        for _ in 0..<count { timer.recordSeconds(batchSeconds) }
    }

    /// A request that failed for a technical reason and will be retried (or was parked).
    public func retried(service: String, parked: Bool) {
        Counter(label: "muamala_request_retries_total", dimensions: [("service", service), ("parked", parked ? "true" : "false")]).increment()
    }

    /// A submission refused because intake was full (answered 503 with Retry-After).
    public func overloaded() {
        Counter(label: "muamala_intake_refused_total", dimensions: [("reason", "full")]).increment()
    }

    /// A batch that had to be run again because of a conflict or a lost connection.
    public func batchRetried(reason: String) {
        Counter(label: "muamala_batch_retries_total", dimensions: [("reason", reason)]).increment()
    }

    /// `scheduled` is an estimate (see `RequestQueue.Counting.sampled`); `due` and `failed` are counted.
    public func queue(due: Int, scheduled: Int, failed: Int, oldestDueAgeSeconds: Double) {
        Gauge(label: "muamala_queue_depth", dimensions: [("kind", "due")]).record(due)
        Gauge(label: "muamala_queue_depth", dimensions: [("kind", "scheduled")]).record(scheduled)
        Gauge(label: "muamala_queue_depth", dimensions: [("kind", "failed")]).record(failed)
        Gauge(label: "muamala_queue_oldest_age_seconds").record(oldestDueAgeSeconds)
    }

    /// The standby's replay lag (`ReadRouting`); -1 while it is not known (unreachable).
    public func standbyLag(seconds: Double?) {
        Gauge(label: "muamala_read_standby_lag_seconds").record(seconds ?? -1)
    }

    /// A portal read or open-data query, by the database that answered it.
    public func read(on database: String) {
        Counter(label: "muamala_reads_total", dimensions: [("database", database)]).increment()
    }
}
