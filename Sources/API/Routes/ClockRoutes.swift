import Domain
import Engine
import Foundation
import Hummingbird
import Store

/// `GET /v1/clock` (anyone signed in) and `POST /v1/clock/advance` (staff, simulated time
/// only: a daemon on the system clock refuses to move it).
struct ClockRoutes {
    let environment: APIEnvironment

    func register(on router: RouterGroup<APIRequestContext>) {
        router.get("/clock") { _, context in
            _ = try context.requirePrincipal()
            return try jsonResponse(ClockView(try await environment.operations.clockReading()))
        }
        router.post("/clock/advance") { request, context in
            let principal = try context.requirePrincipal()
            // Who first: a body is read only for someone who may move the clock.
            guard principal.user.role == .staff else { throw APIError(.forbidden, .forbidden) }
            // Bounded as every body is: a malformed one, however large within the bound, gets
            // its field errors (422), not only "too large" (schemathesis expects the former).
            let seconds = try Self.advance(try await request.jsonBody(limit: environment.maxBodyBytes))
            switch try await environment.operations.advanceClock(by: seconds, by: principal) {
            case .success(let reading):
                return try jsonResponse(ClockView(reading))
            case .failure(.forbidden):
                throw APIError(.forbidden, .forbidden)
            case .failure(.refused(.notSimulated)):
                throw APIError(.conflict, .clockNotSimulated)
            case .failure(.refused(.backwards(let now))):
                throw APIError(.conflict, .clockBackwards, ["now": now.formatted(.iso8601)])
            case .failure(.refused(.beyondRange(let limit))):
                throw APIError(.conflict, .clockBeyondRange, ["limit": limit.formatted(.iso8601)])
            }
        }
    }

    /// What `POST /v1/clock/advance` takes: days, seconds or both (a move of zero is allowed
    /// and changes nothing). Each is bounded, so that no sum can leave the calendar.
    static let advanceFields = [
        FieldSpec("days", .number(0...3_660), required: false, "days to move forward (at most ten years at a time)"),
        FieldSpec("seconds", .number(0...31_622_400), required: false, "seconds to move forward (at most a year at a time)"),
    ]

    /// The move in seconds, or a 422 naming every field at fault.
    static func advance(_ body: JSONValue) throws -> TimeInterval {
        let payload: Payload
        switch Payload.validate(body, against: advanceFields) {
        case .success(let value): payload = value
        case .failure(let errors): throw APIError(.unprocessableContent, errors.fields[0].reason, fields: errors.fields)
        }
        // `{}` says nothing and is refused; `{"days": null}` is a move of zero.
        guard !payload.values.isEmpty else {
            let missing = FieldError(field: "days", reason: Reason.Code.fieldMissing(["field": "days"]))
            throw APIError(.unprocessableContent, missing.reason, fields: [missing])
        }
        return (payload.number("days") ?? 0) * 86_400 + (payload.number("seconds") ?? 0)
    }
}

struct ClockView: Encodable {
    let mode: String
    let now: Date
    let day: String

    init(_ reading: ClockStore.Reading) {
        mode = reading.mode.rawValue
        now = reading.simulatedNow ?? Date()
        day = Day(now).iso
    }
}
