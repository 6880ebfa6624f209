import ArgumentParser
import Domain
import Engine
import Foundation
import Store

/// `muamala rulebook`: the regulations' numbers, as the engine applies them.
struct RulebookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rulebook",
        abstract: "Print the rulebook: its dated editions, or the parameters in force on a day.",
        discussion: "The file is Rulebook/rulebook.json (or MUAMALA_RULEBOOK). A decision uses the edition in force on the day its request was submitted.")

    @Option(help: "Show the parameters in force on this day (YYYY-MM-DD).") var on: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let rulebook = try Settings.fromEnvironment().rulebook()
        guard let text = on else {
            if json {
                struct Edition: Encodable { let effective_from: String; let note: String }
                return try printJSON(rulebook.editions.map { Edition(effective_from: $0.effectiveFrom.iso, note: $0.note) })
            }
            printTable(["FROM", "WHAT CHANGED"], rulebook.editions.map { [$0.effectiveFrom.iso, $0.note] })
            print("\n(muamala rulebook --on YYYY-MM-DD for the full parameters of a day)")
            return
        }
        guard let day = Day(iso: text) else { throw ValidationError("--on takes a day as YYYY-MM-DD") }
        let edition = rulebook.edition(on: day)
        if json { return try printJSON(edition.parameters) }
        let rules = edition.parameters
        print("in force on \(day): the edition of \(edition.effectiveFrom) — \(edition.note)")
        print("levy            \(rules.levy.expatMajorityMonthly) SAR/month per resident where residents outnumber Saudis, else \(rules.levy.saudiMajorityMonthly); permit fee \(rules.levy.permitFeeYearly) SAR/year")
        print("small exemption up to \(rules.levy.smallEstablishmentExemptExpats) residents in establishments of at most \(rules.levy.smallEstablishmentMaxEmployees) with the owner full time")
        print("work permit     periods \(rules.workPermit.periodsMonths.map(String.init).joined(separator: "/")) months; first issue within \(rules.workPermit.firstIssueWithinDays) days of arrival; renewal from \(rules.workPermit.renewalWindowDays) days before expiry; removal after \(rules.workPermit.removalAfterExpiredMonths) months expired")
        print("final exit      valid \(rules.finalExit.validityDays) days (\(rules.finalExit.workerIssuedValidityDays) when issued to the worker); employer answers in \(rules.finalExit.employerResponseDays) days; fine \(rules.finalExit.lapseFine) SAR")
        print("transfer        worker accepts in \(rules.transfer.workerAcceptDays) days; employer in \(rules.transfer.employerResponseDays); notice \(rules.transfer.noticeDays) days; fees \(rules.transfer.fees.map(String.init).joined(separator: "/")) SAR; receiver at least \(rules.transfer.minimumReceiverBand.english)")
        print("occupation      fee \(rules.occupationChange.fee) SAR; reserved for Saudis: \(rules.occupations.filter { $0.value.reservedForSaudis == true }.keys.sorted().joined(separator: ", "))")
        print("absence report  cancellable for \(rules.absence.cancelWithinDays) days; malicious reports suspend for \(rules.absence.maliciousSuspensionYears.map(String.init).joined(separator: "/")) years")
        print("nitaqat         full weight from \(rules.nitaqat.fullWeightWage) SAR, half from \(rules.nitaqat.halfWeightWage); \(rules.activities.count) activities, \(rules.occupations.count) occupations")
    }
}
