import Engine
import Foundation
import Logging

/// Writes one line per event to standard error, as text (`MUAMALA_LOG_FORMAT=text`, the
/// default: time, level, label, metadata, message) or as a JSON object for log collectors
/// (`json`: the same fields as keys).
///
/// Metadata is rendered when a line is written, not each time it changes: the HTTP layer
/// sets request metadata on every request, and swift-log's `StreamLogHandler`, which renders
/// eagerly, cost 2–3% of the daemon under load for lines a `warning` level never writes
/// (BENCHMARKS.md, "HTTP").
public struct LineLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String
    private let format: Settings.LogFormat

    public init(label: String, format: Settings.LogFormat) {
        self.label = label
        self.format = format
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let time = Date().formatted(.iso8601.time(includingFractionalSeconds: true).year().month().day().dateTimeSeparator(.standard))
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let line: Data
        switch format {
        case .text:
            let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            line = Data("\(time) \(event.level) \(label):\(rendered.isEmpty ? "" : " " + rendered) \(event.message)".utf8)
        case .json:
            var object: [String: Any] = [
                "time": time, "level": event.level.rawValue, "label": label, "message": event.message.description,
            ]
            for (key, value) in merged {
                object[key] = Self.plain(value)
            }
            guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
            line = data
        }
        FileHandle.standardError.write(line + Data("\n".utf8))
    }

    private static func plain(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let string): return string
        case .stringConvertible(let convertible): return convertible.description
        case .array(let array): return array.map(plain)
        case .dictionary(let dictionary): return dictionary.mapValues(plain)
        }
    }
}

extension Settings {
    /// Sets up swift-log once per process with the configured format and level.
    public func bootstrapLogging() {
        let level = logLevel
        let format = logFormat
        LoggingSystem.bootstrap { label in
            var handler = LineLogHandler(label: label, format: format)
            handler.logLevel = level
            return handler
        }
    }
}
