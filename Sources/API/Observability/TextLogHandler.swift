import Foundation
import Logging

/// Writes one line per event to standard error: time, level, label, metadata, message.
/// The default format (`MUAMALA_LOG_FORMAT=text`).
///
/// Like swift-log's `StreamLogHandler`, but the metadata is rendered when a line is written,
/// not each time it changes: the HTTP layer sets request metadata on every request, and the
/// eager rendering was 2–3% of the daemon's time under load, for lines that a `warning`
/// level never writes (BENCHMARKS.md, "HTTP").
public struct TextLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let time = Date().formatted(.iso8601.time(includingFractionalSeconds: true).year().month().day().dateTimeSeparator(.standard))
        let line = "\(time) \(event.level) \(label):\(rendered.isEmpty ? "" : " " + rendered) \(event.message)\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
