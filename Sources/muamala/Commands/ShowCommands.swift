import ArgumentParser
import Domain
import Engine
import Foundation
import PQ
import Store

/// `muamala worker show` and `muamala establishment show`.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Look up a worker.", subcommands: [Show.self], defaultSubcommand: Show.self)

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "A worker's employment, permit and open cases.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "National ID or iqama number.") var id: String
        @Flag(inversion: .prefixedNo, help: "Show what the worker may do next, and why not (a dry run of each service).") var next = true
        @Option(name: .customLong("as-of"), help: ArgumentHelp(
            "The worker as he stood at the end of this day (YYYY-MM-DD, Riyadh time), from the record of versions.",
            discussion: "What may be done next is not shown then: it is a question about now.")) var asOf: String?

        func run() async throws {
            let person: PersonID
            do { person = try PersonID(id) } catch { throw ValidationError("\(id): \(error.english)") }
            let day = try AsOfOption.day(asOf)
            let next = self.next && day == nil
            // The rulebook is read while the connection opens; then one hop to the session.
            async let loading = next ? try Settings.fromEnvironment().rulebook() : nil
            let connection = try await global.connect()
            let rulebook = try await loading
            let found = try await AsOfOption.checked { try await connection.run { db -> (Profiles.WorkerProfile, [NextSteps.Option])? in
                if let day {
                    let moment = try Operations.moment(asOf: day, now: try GlobalOptions.clock(on: db).now(on: db)) ?? day.start
                    return try StateHistory.worker(person, before: moment, on: db).map { ($0, []) }
                }
                guard let profile = try Profiles.worker(person, on: db) else { return nil }
                guard let rulebook else { return (profile, []) }
                let options = try NextSteps.forWorker(person, rulebook: rulebook, clock: try GlobalOptions.clock(on: db), on: db)
                return (profile, options)
            } }
            guard let (profile, options) = found else { throw ValidationError("no worker \(person)\(AsOfOption.suffix(day))") }
            let worker = profile.worker
            let counted = Nitaqat.counts(worker, permit: profile.permit)
            if global.json {
                struct Output: Encodable {
                    let as_of: Day?
                    let profile: Profiles.WorkerProfile
                    let counted_in_nitaqat: Bool
                    let next: [NextSteps.Option]
                }
                return try printJSON(Output(as_of: day, profile: profile, counted_in_nitaqat: counted, next: options))
            }
            if let day { print("as of       the end of \(day) (Riyadh time)") }
            print("worker      \(worker.id) \(worker.name) (\(worker.isSaudi ? "Saudi" : "resident, \(worker.nationality)"))")
            print("employment  \(worker.employment.rawValue)\(worker.employer.map { " at \($0)" } ?? "")\(profile.employerName.map { " — \($0)" } ?? "")")
            print("occupation  \(worker.occupation), wage \(worker.wage) SAR")
            if let permit = profile.permit {
                print("permit      \(permit.state.rawValue) \(permit.kind.rawValue), valid \(permit.validFrom) to \(permit.expiresOn)")
            } else {
                print("permit      none")
            }
            if counted {
                print("nitaqat     counted in \(worker.employer.map(\.description) ?? "?")'s headcount")
            } else if worker.isEmployed {
                print("nitaqat     not counted: seasonal work on a temporary permit")
            }
            if profile.openCases.isEmpty { print("open cases  none") }
            for file in profile.openCases {
                print("open case   \(file.kind.english) (\(file.state)) since \(file.openedOn)\(file.deadline.map { ", deadline \($0)" } ?? "")")
            }
            guard next else { return }
            print("\nnext (a dry run of each service now; nothing is submitted):")
            for option in options {
                if option.allowed {
                    print("  ✔ \(option.service)")
                } else if let reason = option.reason {
                    print("  ✘ \(option.service): \(reason.english)\n      \(reason.arabic)")
                }
            }
        }
    }
}

struct EstablishmentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "establishment", abstract: "Look up an establishment.", subcommands: [Show.self], defaultSubcommand: Show.self)

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "An establishment's file, Nitaqat band and headcount.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Establishment number (1-12345).") var id: String
        @Option(name: .customLong("as-of"), help: ArgumentHelp(
            "The establishment as it stood at the end of this day (YYYY-MM-DD, Riyadh time), from the record of versions.",
            discussion: "Its counts, hence its band by the rulebook in force that day, its visas and the requests queued then.")) var asOf: String?

        func run() async throws {
            let establishmentID: EstablishmentID
            do { establishmentID = try EstablishmentID(id) } catch { throw ValidationError("\(id): \(error.english)") }
            let day = try AsOfOption.day(asOf)
            // The portal's read, as an operator: the band by the edition in force on the
            // database's day (simulated or not), as decisions use; on the day read, as of a day.
            let operations = try await global.operations()
            let rulebook = try Settings.fromEnvironment().rulebook()
            let found = try await AsOfOption.checked {
                try await operations.establishment(
                    establishmentID, for: AccountStore.Principal(user: .cliOperator("cli"), grants: []), rulebook: rulebook, asOf: day)
            }
            await operations.pool.close()
            guard let read = found else { throw ValidationError("no establishment \(establishmentID)\(AsOfOption.suffix(day))") }
            let profile = read.profile
            let establishment = profile.establishment
            let band = read.band
            if global.json {
                struct Output: Encodable {
                    let as_of: Day?
                    let establishment: Establishment
                    let band: NitaqatBand
                    let saudization_percent: Double
                    let expired_permits: Int
                    let open_requests: Int
                    let visa_balances: [String: VisaBalance]
                    let visas: [String: Int]
                }
                return try printJSON(Output(
                    as_of: day, establishment: establishment, band: band, saudization_percent: read.saudizationPercent,
                    expired_permits: profile.expiredPermits, open_requests: profile.queuedRequests,
                    visa_balances: Dictionary(uniqueKeysWithValues: profile.visaBalances.map { ($0.occupation, $0.balance) }),
                    visas: Dictionary(uniqueKeysWithValues: profile.visasByState.map { ($0.key.rawValue, $0.value) })))
            }
            if let day { print("as of         the end of \(day) (Riyadh time)") }
            print("establishment \(establishment.id) \(establishment.nameEn) — \(establishment.nameAr)")
            print("company       \(establishment.unifiedNumber), CR \(establishment.cr) (expires \(establishment.crExpiresOn))")
            print("activity      \(establishment.activity); status \(establishment.status.rawValue)")
            print("nitaqat       \(band.english) — \(band.arabic): \(read.saudizationPercent)% weighted Saudi share")
            print("headcount     \(establishment.headcount) (\(establishment.saudiCount) Saudi, \(establishment.expatCount) resident)")
            print("expired permits \(profile.expiredPermits); queued requests \(profile.queuedRequests)")
            let balances = profile.visaBalances.map { "\($0.occupation) \($0.balance.remaining) of \($0.balance.approved)" }
            print("visa balance  \(balances.isEmpty ? "none" : balances.joined(separator: ", "))")
            let states = VisaFlow.State.allCases.filter { $0 != .none }.map { "\(profile.visasByState[$0] ?? 0) \($0.rawValue)" }
            print("visas         \(states.joined(separator: ", "))")
        }
    }
}

/// `--as-of DAY` of the show commands.
enum AsOfOption {
    static func day(_ text: String?) throws -> Day? {
        guard let text else { return nil }
        guard let day = Day(iso: text) else { throw ValidationError("--as-of \(text): a day is written YYYY-MM-DD (Gregorian), for example 2026-03-31") }
        return day
    }

    /// The read, with a day after today refused in both languages.
    static func checked<T>(_ read: () async throws -> T) async throws -> T {
        do { return try await read() } catch let error as Operations.AsOfAfterToday {
            throw ValidationError("\(error.reason.english)\n\(error.reason.arabic)")
        }
    }

    static func suffix(_ day: Day?) -> String {
        day.map { " as of the end of \($0): the record of versions has none before then" } ?? ""
    }
}
