import Domain
import Engine
import PQ

/// What the routes work with.
public struct APIEnvironment: Sendable {
    /// Every use case the routes serve (`Engine/Operations`): they open no transaction themselves.
    public let operations: Operations
    public let pool: ConnectionPool
    public let intake: Intake
    public let waiters: DecisionWaiters
    public let rulebook: Rulebook
    public let clock: EngineClock
    public let maxBodyBytes: Int
    /// The longest `?wait=` honoured, in seconds.
    public let maxWaitSeconds: Int
    /// Who each bearer token is, for a short while.
    public let principals: PrincipalCache
    /// The national identity provider whose tokens people present, when configured.
    public let identityProvider: IdentityProvider?

    public init(pool: ConnectionPool, intake: Intake, waiters: DecisionWaiters, rulebook: Rulebook, clock: EngineClock,
                maxBodyBytes: Int, maxWaitSeconds: Int = 30, principals: PrincipalCache = PrincipalCache(),
                identityProvider: IdentityProvider? = nil, reads: ReadRouting? = nil) {
        self.operations = Operations(pool: pool, intake: intake, clock: clock, waiters: waiters, reads: reads)
        self.pool = pool
        self.intake = intake
        self.waiters = waiters
        self.rulebook = rulebook
        self.clock = clock
        self.maxBodyBytes = maxBodyBytes
        self.maxWaitSeconds = maxWaitSeconds
        self.principals = principals
        self.identityProvider = identityProvider
    }
}
