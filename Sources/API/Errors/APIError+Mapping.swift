import Domain
import Engine
import Hummingbird
import NIOCore
import PQ

extension APIError {
    /// What a caller sees of any error, by its type (never by its text): an `APIError` as it
    /// is; the database unable to serve for now (no session, a lost session, a server
    /// restarting, a lost serialization race) or intake full is 503 with `Retry-After`; a body
    /// past its bound 413; anything else 500, whose detail goes to the log only.
    static func mapping(_ error: any Error, maxBodyBytes: Int) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as TransactionError:
            return mapping(error.underlying, maxBodyBytes: maxBodyBytes)
        case let error as PQError where error.isUnavailability:
            return .unavailable(retryAfterSeconds: 1)
        case let error as Intake.Overloaded:
            return .unavailable(retryAfterSeconds: error.retryAfterSeconds)
        case is CancellationError:
            // The daemon is stopping: another instance (or this one, restarted) will answer.
            return .unavailable(retryAfterSeconds: 1)
        case is NIOTooManyBytesError:
            return APIError(.contentTooLarge, .bodyTooLarge, ["limit": String(maxBodyBytes)])
        case let error as HTTPError:
            switch error.status {
            case .notFound: return APIError(.notFound, .notFound)
            case .methodNotAllowed: return APIError(.methodNotAllowed, .methodNotAllowed)
            case .contentTooLarge: return APIError(.contentTooLarge, .bodyTooLarge, ["limit": String(maxBodyBytes)])
            case .badRequest: return APIError(.badRequest, .malformedRequest)
            default: return APIError(.internalServerError, .internalError)
            }
        default:
            return APIError(.internalServerError, .internalError)
        }
    }

    /// 503 with `Retry-After`.
    static func unavailable(retryAfterSeconds: Int) -> APIError {
        var error = APIError(.serviceUnavailable, .unavailable)
        error.headers[.retryAfter] = String(retryAfterSeconds)
        return error
    }
}
