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
            let reading = try await environment.pool.withConnection { connection in
                try await connection.run { db in try ClockStore.read(on: db) }
            }
            return try jsonResponse(ClockView(reading))
        }
        router.post("/clock/advance") { request, context in
            let principal = try context.requirePrincipal()
            guard principal.user.role == .staff else { throw APIError(.forbidden, .forbidden) }
            guard environment.clock.mode == .simulated else { throw APIError(.conflict, .clockNotSimulated) }
            let buffer = try await request.body.collect(upTo: 4096)
            guard let body = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView)) else {
                throw APIError(.badRequest, .malformedJSON)
            }
            let days = body["days"]?.numberValue ?? 0
            let seconds = body["seconds"]?.numberValue ?? 0
            guard days >= 0, seconds >= 0, days + seconds > 0 else {
                throw APIError(.unprocessableContent, Reason.Code.invalid("days", en: "a positive number of days or seconds", ar: "عدد موجب من الأيام أو الثواني"))
            }
            let actor = principal.user.actor.id
            let result = try await environment.pool.withConnection { connection in
                try await connection.withTransaction { db in
                    try ClockStore.advance(by: days * 86_400 + seconds, by: actor, on: db)
                }
            }
            switch result {
            case .success:
                environment.intake.wake?.signal()
                let reading = try await environment.pool.withConnection { connection in
                    try await connection.run { db in try ClockStore.read(on: db) }
                }
                return try jsonResponse(ClockView(reading))
            case .failure(.notSimulated):
                throw APIError(.conflict, .clockNotSimulated)
            case .failure(.backwards(let now)):
                throw APIError(.conflict, .clockBackwards, ["now": now.formatted(.iso8601)])
            }
        }
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
