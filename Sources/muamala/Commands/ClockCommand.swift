import ArgumentParser
import Domain
import Foundation
import PQ
import Store

/// `muamala clock show|simulate|set|advance|system`.
struct ClockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clock",
        abstract: "Read or move the database's clock (simulated time only).",
        discussion: """
            In production the database runs on the system clock and nothing moves it. For demos, \
            replays and acceptance tests, `simulate` switches the database to a time kept in it; \
            daemons started with MUAMALA_CLOCK=simulated read that time, and timers fire as \
            `set`/`advance` move it past them. Time never moves backwards.
            """,
        subcommands: [Show.self, Simulate.self, Set.self, Advance.self, System.self],
        defaultSubcommand: Show.self)

    static var operatorName: String { "cli:" + (ProcessInfo.processInfo.environment["USER"] ?? "operator") }

    static func parse(_ text: String) throws -> Date {
        if let day = Day(iso: text) { return day.start }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        throw ValidationError("a time is YYYY-MM-DD (midnight in Riyadh) or ISO 8601 like 2026-01-01T09:00:00Z")
    }

    static func report(_ reading: ClockStore.Reading, json: Bool) throws {
        if json { return try printJSON(reading) }
        switch reading.mode {
        case .system: print("system clock: \(Date().iso)")
        case .simulated:
            let now = reading.simulatedNow ?? Date()
            print("simulated: \(now.iso) (day \(Day(now).iso) in Riyadh); last moved by \(reading.updatedBy ?? "?")")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Print the clock's mode and time.")
        @OptionGroup var global: GlobalOptions
        func run() async throws {
            let connection = try await global.connect()
            try ClockCommand.report(try await connection.run { db in try ClockStore.read(on: db) }, json: global.json)
        }
    }

    struct Simulate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "simulate", abstract: "Switch the database to simulated time.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Start time: YYYY-MM-DD or ISO 8601 (default: now).") var at: String?
        func run() async throws {
            let start = try at.map(ClockCommand.parse) ?? Date()
            let connection = try await global.connect()
            let reading = try await connection.withTransaction { db in
                try ClockStore.simulate(from: start, by: ClockCommand.operatorName, on: db)
                return try ClockStore.read(on: db)
            }
            try ClockCommand.report(reading, json: global.json)
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Move simulated time forward to a time.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "YYYY-MM-DD or ISO 8601.") var time: String
        func run() async throws {
            let target = try ClockCommand.parse(time)
            let connection = try await global.connect()
            try await ClockCommand.move(connection, json: global.json) { db in try ClockStore.set(target, by: ClockCommand.operatorName, on: db) }
        }
    }

    struct Advance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "advance", abstract: "Move simulated time forward by days and/or hours.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Days to move forward.") var days: Double = 0
        @Option(help: "Hours to move forward.") var hours: Double = 0
        func validate() throws {
            guard days >= 0, hours >= 0, days + hours > 0 else { throw ValidationError("give a positive --days or --hours") }
        }
        func run() async throws {
            let seconds = days * 86_400 + hours * 3600
            let operations = try await global.operations()
            let result = try await operations.advanceClock(by: seconds, by: ActorOptions.operatorPrincipal)
            await operations.pool.close()
            switch result {
            case .success(let reading): try ClockCommand.report(reading, json: global.json)
            case .failure(.forbidden): throw ValidationError("only staff may move the clock")
            case .failure(.refused(let refusal)): throw ClockCommand.explain(refusal)
            }
        }
    }

    struct System: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "system", abstract: "Switch the database back to the system clock.")
        @OptionGroup var global: GlobalOptions
        func run() async throws {
            let connection = try await global.connect()
            let reading = try await connection.withTransaction { db in
                try ClockStore.useSystemClock(by: ClockCommand.operatorName, on: db)
                return try ClockStore.read(on: db)
            }
            try ClockCommand.report(reading, json: global.json)
        }
    }

    static func move(_ connection: Connection, json: Bool, _ body: @escaping @Sendable (isolated Connection) throws -> Result<Date, ClockStore.Refusal>) async throws {
        let result = try await connection.withTransaction { db in try body(db) }
        switch result {
        case .success:
            try report(try await connection.run { db in try ClockStore.read(on: db) }, json: json)
        case .failure(let refusal):
            throw explain(refusal)
        }
    }

    static func explain(_ refusal: ClockStore.Refusal) -> ValidationError {
        switch refusal {
        case .notSimulated: return ValidationError("the database runs on the system clock, which cannot be moved; `muamala clock simulate` first")
        case .backwards(let now): return ValidationError("time never moves backwards; it is \(now.iso)")
        case .beyondRange(let limit): return ValidationError("the clock cannot go past \(limit.iso)")
        }
    }
}
