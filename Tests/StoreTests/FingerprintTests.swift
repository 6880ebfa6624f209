import Domain
import Foundation
@testable import Store
import Testing

/// The idempotency fingerprint is stored with each key (`idempotency_keys.payload_hash`): if
/// the way it is computed ever changed, a client retrying a request sent before the change
/// would be told its key was used for different content.
@Suite("Idempotency fingerprint")
struct FingerprintTests {
    static let payloads: [[String: JSONValue]] = [
        [:],
        ["worker_id": .string("2000000001"), "months": .number(12)],
        ["note": .string("تجديد \"عاجل\" \\ \n\t"), "nested": .object(["b": .array([.bool(true), .null, .number(1.5)]), "a": .number(-3)])],
    ]

    @Test("the stored payload text and the fingerprint are what encoding the whole object gives",
          arguments: [nil, "1-12345"])
    func sameAsWholeObject(establishment: String?) throws {
        let establishmentID = try establishment.map { try EstablishmentID($0) }
        for payload in Self.payloads {
            let request = NewRequest(
                service: "work-permit.renew", establishment: establishmentID, subject: .establishment(EstablishmentID(office: 1, sequence: 1)),
                actor: Actor(id: "test", role: .staff), payload: payload, idempotencyKey: "k", submittedAt: Date())
            let whole = JSONCoding.encode(JSONValue.object([
                "service": .string(request.service), "establishment": establishmentID.map { .string($0.description) } ?? .null,
                "payload": .object(payload),
            ]))
            let encoded = request.encoded
            #expect(encoded.payload == JSONCoding.encode(JSONValue.object(payload)))
            #expect(encoded.fingerprint == Data(SHA256Digest.of(whole)))
            #expect(request.fingerprint == encoded.fingerprint)
        }
    }

    @Test("a different service, establishment or payload changes it")
    func distinguishes() throws {
        func fingerprint(_ service: String, _ establishment: String?, _ payload: [String: JSONValue]) throws -> Data {
            NewRequest(service: service, establishment: try establishment.map { try EstablishmentID($0) },
                       subject: .establishment(EstablishmentID(office: 1, sequence: 1)), actor: Actor(id: "test", role: .staff),
                       payload: payload, idempotencyKey: "k", submittedAt: Date()).fingerprint
        }
        let base = try fingerprint("work-permit.renew", "1-12345", ["months": .number(12)])
        #expect(try fingerprint("work-permit.renew", "1-12345", ["months": .number(12)]) == base)
        #expect(try fingerprint("work-permit.issue", "1-12345", ["months": .number(12)]) != base)
        #expect(try fingerprint("work-permit.renew", "1-12346", ["months": .number(12)]) != base)
        #expect(try fingerprint("work-permit.renew", nil, ["months": .number(12)]) != base)
        #expect(try fingerprint("work-permit.renew", "1-12345", ["months": .number(24)]) != base)
    }
}
