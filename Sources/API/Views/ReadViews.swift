import Domain
import Engine
import Foundation
import Store

/// The portal reads as JSON (written by the fast writer, like requests). Field names are
/// `docs/openapi.yaml`'s; a test reads each answer against the spec's schema.
enum ReadViews {
    static func me(_ me: Operations.Me) -> JSONValue {
        [
            "user_id": me.registered ? .string(me.user.id.lowercasedText) : .null, "name": .string(me.user.name), "role": .string(me.user.role.rawValue),
            "person_id": me.user.personID.map(JSONValue.string) ?? .null,
            "unified_number": me.user.unifiedNumber.map(JSONValue.string) ?? .null,
            "establishments": .array(me.establishments.map { .string($0.description) }),
            "more_establishments": .bool(me.more),
            "registered": .bool(me.registered),
            "companies": .array(me.companies.map(JSONValue.string)),
            "grants": .array(me.grants.map {
                ["establishment_id": .string($0.establishmentID), "services": .array($0.services.map(JSONValue.string)), "role": .string($0.role.rawValue)]
            }),
        ]
    }

    /// A record read as of a past day says which day it stands at.
    static func stamped(_ view: JSONValue, asOf: Day?) -> JSONValue {
        guard let asOf, case .object(var fields) = view else { return view }
        fields["as_of"] = JSONValue(asOf)
        return .object(fields)
    }

    static func establishment(_ read: Operations.EstablishmentRead) -> JSONValue {
        let e = read.profile.establishment
        return [
            "id": .string(e.id.description), "unified_number": .string(e.unifiedNumber.digits), "cr_number": .string(e.cr.digits),
            "name_ar": .string(e.nameAr), "name_en": .string(e.nameEn), "activity": .string(e.activity), "status": .string(e.status.rawValue),
            "cr_expires_on": JSONValue(e.crExpiresOn), "opened_on": JSONValue(e.openedOn),
            "suspended_until": e.suspendedUntil.map { JSONValue($0) } ?? .null,
            "owner_full_time": .bool(e.ownerFullTime),
            "headcount": JSONValue(e.headcount), "saudi_count": JSONValue(e.saudiCount), "expat_count": JSONValue(e.expatCount),
            "band": .string(read.band.rawValue), "band_ar": .string(read.band.arabic), "band_en": .string(read.band.english),
            "saudization_percent": .number(read.saudizationPercent),
            "expired_permits": JSONValue(read.profile.expiredPermits), "queued_requests": JSONValue(read.profile.queuedRequests),
            "certificate": read.certificate.map { c in
                ["id": .string(c.id.lowercasedText), "band": .string(c.band.rawValue), "saudization_percent": .number(c.saudizationPercent),
                 "issued_on": JSONValue(c.issuedOn), "valid_until": JSONValue(c.validUntil)]
            } ?? .null,
            "recruitment": recruitment(read.profile),
        ]
    }

    /// The visa balance by occupation and the visas by state (every state, zero included).
    static func recruitment(_ profile: Profiles.EstablishmentProfile) -> JSONValue {
        [
            "balances": .array(profile.visaBalances.map { ["occupation": .string($0.occupation), "approved": JSONValue($0.balance.approved),
                                                           "remaining": JSONValue($0.balance.remaining)] }),
            "visas": .object(Dictionary(uniqueKeysWithValues: VisaFlow.State.allCases.filter { $0 != .none }.map {
                ($0.rawValue, JSONValue(profile.visasByState[$0] ?? 0))
            })),
        ]
    }

    static func workerLine(_ line: Profiles.WorkerLine) -> JSONValue {
        let w = line.worker
        return [
            "id": .string(w.id.digits), "name": .string(w.name), "nationality": .string(w.nationality), "saudi": .bool(w.isSaudi),
            "occupation": .string(w.occupation), "employment": .string(w.employment.rawValue),
            "permit": line.permit.map(permit) ?? .null,
        ]
    }

    static func worker(_ read: Operations.WorkerRead) -> JSONValue {
        let w = read.profile.worker
        return [
            "id": .string(w.id.digits), "name": .string(w.name), "nationality": .string(w.nationality), "saudi": .bool(w.isSaudi),
            "birth_date": JSONValue(w.birthDate), "occupation": .string(w.occupation), "wage": JSONValue(w.wage),
            "part_time": .bool(w.partTime), "employment": .string(w.employment.rawValue),
            "employer_id": w.employer.map { .string($0.description) } ?? .null,
            "employer_name": read.profile.employerName.map(JSONValue.string) ?? .null,
            "guardian_id": w.guardian.map { .string($0.digits) } ?? .null,
            "arrived_on": w.arrivedOn.map { JSONValue($0) } ?? .null,
            "contract_ends_on": w.contractEndsOn.map { JSONValue($0) } ?? .null,
            "iqama_expires_on": w.iqamaExpiresOn.map { JSONValue($0) } ?? .null,
            "transfer_count": JSONValue(w.transferCount), "counted_in_nitaqat": .bool(read.countedInNitaqat),
            "permit": read.profile.permit.map(permit) ?? .null,
            "open_cases": .array(read.profile.openCases.map { caseFile($0) }),
            "next": .array(read.next.map { option in
                [
                    "service": .string(option.service), "allowed": .bool(option.allowed),
                    "reason": option.reason.map { ["code": .string($0.code.rawValue), "message_ar": .string($0.arabic), "message_en": .string($0.english)] } ?? .null,
                ]
            }),
        ]
    }

    static func permit(_ p: Permit) -> JSONValue {
        [
            "id": .string(p.id.lowercasedText), "establishment_id": .string(p.establishment.description), "kind": .string(p.kind.rawValue),
            "state": .string(p.state.rawValue), "valid_from": JSONValue(p.validFrom), "expires_on": JSONValue(p.expiresOn),
            "months": JSONValue(p.months), "levy": JSONValue(p.levy), "fee": JSONValue(p.fee),
        ]
    }

    /// A case; `counterpart` only when the reader may see that side too (a transfer's new
    /// employer does not learn the worker's current employer from it).
    static func caseFile(_ file: CaseFile, showCounterpart: Bool = true) -> JSONValue {
        [
            "id": .string(file.id.lowercasedText), "kind": .string(file.kind.rawValue),
            "kind_ar": .string(file.kind.arabic), "kind_en": .string(file.kind.english),
            "worker_id": file.worker.map { .string($0.digits) } ?? .null, "establishment_id": .string(file.establishment.description),
            "counterpart_id": showCounterpart ? file.counterpart.map { .string($0.description) } ?? .null : .null,
            "state": .string(file.state), "open": .bool(ServiceCatalog.isOpen(file)),
            "opened_at": .string(RequestView.iso(file.openedAt)), "opened_on": JSONValue(file.openedOn),
            "deadline": file.deadline.map { JSONValue($0) } ?? .null, "details": .object(file.details),
        ]
    }
}
