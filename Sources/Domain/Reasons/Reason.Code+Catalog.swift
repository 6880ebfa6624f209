/// Every reason code Muamala can give, with its Arabic and English text.
///
/// Placeholders in braces (`{state}`) are filled when the reason is made.
extension Reason.Code {
    // MARK: Input and identifiers

    public static let malformedJSON = Reason.Code("request.malformed_json",
        ar: "نص الطلب ليس JSON صالحًا.", en: "The request body is not valid JSON.")
    public static let fieldMissing = Reason.Code("request.field_missing",
        ar: "الحقل {field} مطلوب.", en: "The field {field} is required.")
    public static let fieldType = Reason.Code("request.field_type",
        ar: "الحقل {field} يجب أن يكون {expected_ar}.", en: "The field {field} must be {expected}.")
    public static let fieldInvalid = Reason.Code("request.field_invalid",
        ar: "قيمة الحقل {field} غير صالحة: {detail_ar}", en: "The field {field} is not valid: {detail}")
    public static let fieldUnknown = Reason.Code("request.field_unknown",
        ar: "الحقل {field} غير معروف لهذه الخدمة.", en: "The field {field} is not known to this service.")
    public static let unknownService = Reason.Code("request.unknown_service",
        ar: "الخدمة {service} غير موجودة.", en: "There is no service {service}.")
    public static let bodyTooLarge = Reason.Code("request.body_too_large",
        ar: "حجم الطلب يتجاوز الحد المسموح ({limit} بايت).", en: "The request body is larger than allowed ({limit} bytes).")
    public static let idempotencyKeyMissing = Reason.Code("request.idempotency_key_missing",
        ar: "ترويسة Idempotency-Key مطلوبة لتقديم الطلب.", en: "The Idempotency-Key header is required to submit a request.")
    public static let idempotencyKeyInvalid = Reason.Code("request.idempotency_key_invalid",
        ar: "ترويسة Idempotency-Key تتكون من ١ إلى ٢٠٠ حرف من حروف ASCII المرئية.",
        en: "The Idempotency-Key header is 1 to 200 visible ASCII characters.")
    public static let listNeedsEstablishment = Reason.Code("request.list_needs_establishment",
        ar: "يعرض المالك والمفوض والوكيل طلبات منشأة واحدة في كل مرة: حدد المنشأة (establishment).",
        en: "Owners, delegates and agents list one establishment's requests at a time: give the establishment.")
    public static let malformedRequest = Reason.Code("request.malformed",
        ar: "الطلب غير سليم البنية.", en: "The request is not well formed.")
    public static let idempotencyConflict = Reason.Code("request.idempotency_conflict",
        ar: "مفتاح عدم التكرار استُخدم من قبل لطلب بمحتوى مختلف.", en: "This idempotency key was already used for a request with different content.")
    public static let requestNotFound = Reason.Code("request.not_found",
        ar: "الطلب غير موجود.", en: "The request does not exist.")
    public static let requestNotCancellable = Reason.Code("request.not_cancellable",
        ar: "لا يمكن سحب الطلب لأنه {state}.", en: "The request cannot be withdrawn because it is {state}.")
    public static let requestBeingProcessed = Reason.Code("request.being_processed",
        ar: "الطلب قيد المعالجة الآن؛ أعد المحاولة بعد لحظات.", en: "The request is being processed right now; try again in a moment.")
    public static let requestNotFailed = Reason.Code("request.not_failed",
        ar: "لا يُعاد تشغيل إلا الطلب المتعثر، وهذا الطلب {state}.", en: "Only a failed request can be re-driven; this one is {state}.")
    /// A portal read by id: the same answer for a malformed id, an unknown one and one the caller may not see.
    public static let recordNotFound = Reason.Code("request.record_not_found",
        ar: "لا يوجد سجل بهذا الرقم تملك صلاحية الاطلاع عليه.", en: "There is no record with this number that you may see.")
    public static let badQuery = Reason.Code("request.bad_query",
        ar: "معيار البحث {field} غير صالح.", en: "The query parameter {field} is not valid.")
    /// A record read as of a day after today: nothing is recorded for it yet (404 on the API).
    public static let asOfAfterToday = Reason.Code("request.as_of_after_today",
        ar: "لا يُطلع على سجل بتاريخ بعد اليوم ({today}).", en: "A record cannot be read as of a day after today ({today}).")
    public static let notFound = Reason.Code("request.route_not_found",
        ar: "العنوان المطلوب غير موجود.", en: "There is nothing at this address.")
    /// A console form without the session's CSRF token (forged, from another site, or older than the session).
    public static let consoleFormRefused = Reason.Code("console.form_refused",
        ar: "لم يصدر هذا النموذج من جلستك في لوحة التشغيل أو انتهت صلاحيته؛ أعد تحميل الصفحة وحاول مجدداً.",
        en: "This form did not come from your console session, or it has expired; reload the page and try again.")
    /// Signing in to the console with a token that is not a staff member's (unknown, revoked, disabled or another role).
    public static let consoleSignInRefused = Reason.Code("console.sign_in_refused",
        ar: "الرمز غير صحيح أو ليس لموظف.", en: "That token is not a staff member's.")
    /// An open-data period that cannot be shown.
    public static let badPeriod = Reason.Code("open_data.bad_period",
        ar: "الفترة غير صالحة: تُكتب الأشهر الهجرية بالصيغة 1447-01 بين عامي 1400 و1500، ولا تنتهي الفترة قبل بدايتها ولا تتجاوز 36 شهراً.",
        en: "The period is not valid: Hijri months are written 1447-01, from 1400 to 1500; a period may not end before it begins, nor span more than 36 months.")
    public static let methodNotAllowed = Reason.Code("request.method_not_allowed",
        ar: "هذه العملية غير مسموحة على هذا العنوان.", en: "This method is not allowed at this address.")
    public static let internalError = Reason.Code("request.internal_error",
        ar: "حدث خطأ داخلي؛ سُجّل وسيُعالج. أعد المحاولة لاحقًا.", en: "An internal error occurred; it was logged. Try again later.")
    public static let technicalRetrying = Reason.Code("request.technical_retrying",
        ar: "تعذرت معالجة الطلب لسبب فني، وسيُعاد تلقائيًا.", en: "A technical problem held up this request; it will be tried again automatically.")
    public static let technicalFailure = Reason.Code("request.technical_failure",
        ar: "تعذر إتمام الطلب لسبب فني بعد عدة محاولات؛ أُبلغ المشغلون ويمكنهم إعادة تشغيله.",
        en: "This request could not be completed for a technical reason after several attempts; the operators were told and can re-drive it.")
    public static let unavailable = Reason.Code("request.unavailable",
        ar: "الخدمة غير متاحة مؤقتًا؛ أعد المحاولة بعد قليل.", en: "The service is temporarily unavailable; try again shortly.")

    public static let identifierFormat = Reason.Code("identifier.format",
        ar: "رقم الهوية أو الإقامة يتكون من عشرة أرقام.", en: "A national ID or iqama number has exactly 10 digits.")
    public static let identifierPrefix = Reason.Code("identifier.prefix",
        ar: "رقم الهوية الوطنية يبدأ بـ 1 ورقم الإقامة يبدأ بـ 2.", en: "A national ID starts with 1 and an iqama number with 2.")
    public static let identifierChecksum = Reason.Code("identifier.checksum",
        ar: "رقم التحقق في رقم الهوية أو الإقامة غير صحيح.", en: "The check digit of the national ID or iqama number is wrong.")
    public static let establishmentFormat = Reason.Code("identifier.establishment_format",
        ar: "رقم المنشأة يتكون من رقم مكتب العمل والرقم التسلسلي، مثل 1-12345.", en: "An establishment number is the labor office and a sequence, like 1-12345.")
    public static let unifiedNumberFormat = Reason.Code("identifier.unified_number_format",
        ar: "الرقم الموحد يتكون من عشرة أرقام ويبدأ بـ 7.", en: "A unified number has 10 digits and starts with 7.")
    public static let crFormat = Reason.Code("identifier.cr_format",
        ar: "رقم السجل التجاري يتكون من عشرة أرقام.", en: "A commercial registration number has exactly 10 digits.")
    public static let dateFormat = Reason.Code("identifier.date_format",
        ar: "التاريخ يُكتب بالصيغة YYYY-MM-DD.", en: "A date is written as YYYY-MM-DD.")

    // MARK: Access

    public static let unauthenticated = Reason.Code("auth.unauthenticated",
        ar: "يلزم رمز دخول صالح (Bearer).", en: "A valid bearer token is required.")
    public static let accountChoiceNeeded = Reason.Code("auth.account_choice_needed",
        ar: "لديك أكثر من حساب في البوابة: حدد الحساب في الترويسة Muamala-Account.",
        en: "You hold several portal accounts: name one in the Muamala-Account header.")
    public static let accountUnknown = Reason.Code("auth.account_unknown",
        ar: "الحساب المحدد في الترويسة Muamala-Account ليس من حساباتك.",
        en: "The account named in the Muamala-Account header is not one of yours.")
    public static let forbidden = Reason.Code("auth.forbidden",
        ar: "لا تملك صلاحية تنفيذ هذا الطلب.", en: "You are not permitted to make this request.")
    public static let roleNotAllowed = Reason.Code("auth.role_not_allowed",
        ar: "هذه الخدمة لا تُطلب بصفة {role_ar}.", en: "This service cannot be requested as {role}.")

    // MARK: Shared gates

    public static let establishmentNotFound = Reason.Code("establishment.not_found",
        ar: "المنشأة {establishment} غير مسجلة.", en: "Establishment {establishment} is not registered.")
    public static let establishmentInactive = Reason.Code("establishment.inactive",
        ar: "المنشأة غير نشطة.", en: "The establishment is not active.")
    public static let establishmentSuspended = Reason.Code("establishment.suspended",
        ar: "خدمات المنشأة موقوفة حتى {until}.", en: "The establishment's services are suspended until {until}.")
    public static let crExpired = Reason.Code("establishment.cr_expired",
        ar: "السجل التجاري للمنشأة منتهٍ منذ {date}.", en: "The establishment's commercial registration expired on {date}.")
    public static let expiredPermits = Reason.Code("establishment.expired_permits",
        ar: "توجد رخص عمل منتهية تحت الرقم الموحد للمنشأة؛ جدّدها أولًا.", en: "Work permits under the establishment's unified number have expired; renew them first.")
    public static let bandTooLow = Reason.Code("establishment.band_too_low",
        ar: "نطاق المنشأة {band_ar}، وهذه الخدمة تتطلب النطاق {required_ar} على الأقل.", en: "The establishment's Nitaqat band is {band}; this service needs at least {required}.")

    // MARK: Establishment file

    public static let establishmentExists = Reason.Code("establishment.already_registered",
        ar: "المنشأة {establishment} مسجلة من قبل.", en: "Establishment {establishment} is already registered.")
    public static let crTaken = Reason.Code("establishment.cr_taken",
        ar: "السجل التجاري {cr} مرتبط بمنشأة أخرى.", en: "Commercial registration {cr} belongs to another establishment.")
    public static let activityUnknown = Reason.Code("establishment.activity_unknown",
        ar: "النشاط {activity} غير مرخص.", en: "The activity {activity} is not a licensed activity.")
    public static let laborRentalBarred = Reason.Code("establishment.labor_rental_barred",
        ar: "لا يُفتح ملف منشأة لنشاط تأجير العمالة.", en: "An establishment file cannot be opened for labor rental.")
    public static let redSibling = Reason.Code("establishment.red_sibling",
        ar: "توجد منشأة في النطاق الأحمر تحت الرقم الموحد نفسه ({establishment}).", en: "Another establishment of the same unified number is red ({establishment}).")
    public static let sameActivity = Reason.Code("establishment.same_activity",
        ar: "المنشأة تمارس هذا النشاط أصلًا.", en: "The establishment already has this activity.")
    public static let certificateNotCompliant = Reason.Code("certificate.not_compliant",
        ar: "لا تصدر شهادة السعودة لمنشأة في النطاق {band_ar}.", en: "A Saudization certificate is not issued to an establishment in band {band}.")

    // MARK: Workers

    public static let workerNotFound = Reason.Code("worker.not_found",
        ar: "العامل {worker} غير مسجل.", en: "Worker {worker} is not registered.")
    public static let workerExists = Reason.Code("worker.already_registered",
        ar: "العامل {worker} مسجل من قبل.", en: "Worker {worker} is already registered.")
    public static let workerNotHere = Reason.Code("worker.not_employed_here",
        ar: "العامل {worker} ليس على رأس العمل في هذه المنشأة.", en: "Worker {worker} is not employed by this establishment.")
    public static let workerIsSaudi = Reason.Code("worker.is_saudi",
        ar: "المواطن السعودي لا يحتاج إلى رخصة عمل.", en: "A Saudi citizen does not need a work permit.")
    public static let workerAbsconded = Reason.Code("worker.absconded",
        ar: "العامل مسجل متغيبًا عن العمل.", en: "The worker is recorded as absent from work.")
    public static let workerDeparted = Reason.Code("worker.departed",
        ar: "العامل غادر المملكة نهائيًا.", en: "The worker has left the Kingdom for good.")
    public static let workerNotTransferable = Reason.Code("worker.not_transferable",
        ar: "لا يمكن طلب نقل خدمة العامل {worker} الآن.", en: "Worker {worker} cannot be asked for in a transfer now.")
    public static let dependentNotTransferable = Reason.Code("dependent.not_transferable",
        ar: "لا يمكن طلب نقل خدمة {person} الآن: لا يوجد تابع بالغ بهذا الرقم متاح للنقل.",
        en: "{person} cannot be asked for now: there is no adult dependent with this number who may be transferred.")
    public static let workerNotEmployed = Reason.Code("worker.not_employed",
        ar: "العامل ليس على رأس العمل لدى أي منشأة.", en: "The worker is not employed by any establishment.")
    public static let iqamaExpired = Reason.Code("worker.iqama_expired",
        ar: "إقامة العامل منتهية منذ {date}.", en: "The worker's iqama expired on {date}.")
    public static let openCaseBlocks = Reason.Code("worker.case_open",
        ar: "لدى العامل {case_ar} مفتوح يمنع هذه الخدمة.", en: "The worker has an open {case}, which blocks this service.")

    // MARK: Work permits

    public static let permitAlreadyValid = Reason.Code("permit.already_valid",
        ar: "لدى العامل رخصة عمل سارية حتى {date}.", en: "The worker already holds a valid work permit until {date}.")
    public static let firstIssueWindowPassed = Reason.Code("permit.first_issue_window_passed",
        ar: "تصدر الرخصة الأولى خلال {days} يومًا من القدوم؛ قدم العامل في {date}.", en: "A first permit is issued within {days} days of arrival; the worker arrived on {date}.")
    public static let permitPeriodInvalid = Reason.Code("permit.period_invalid",
        ar: "مدة الرخصة {months} شهرًا غير متاحة؛ المدد المتاحة: {allowed}.", en: "A permit for {months} months is not offered; the periods are {allowed}.")
    public static let noPermit = Reason.Code("permit.none",
        ar: "لا توجد رخصة عمل لهذا العامل.", en: "The worker has no work permit.")
    public static let renewalTooEarly = Reason.Code("permit.renewal_too_early",
        ar: "يُفتح التجديد قبل {days} يومًا من الانتهاء، أي من {date}.", en: "Renewal opens {days} days before expiry, on {date}.")
    public static let permitRemoved = Reason.Code("permit.expired_too_long",
        ar: "انتهت الرخصة منذ أكثر من {months} أشهر وأُزيل العامل من المنشأة.", en: "The permit expired more than {months} months ago and the worker was removed from the establishment.")
    public static let permitNotPayable = Reason.Code("permit.not_awaiting_payment",
        ar: "لا توجد فاتورة رخصة بانتظار السداد.", en: "No permit invoice is awaiting payment.")
    public static let temporaryExtensionUsed = Reason.Code("permit.temporary_extension_used",
        ar: "الرخصة المؤقتة تُمدد مرة واحدة فقط.", en: "A temporary permit is extended once only.")
    public static let notTemporary = Reason.Code("permit.not_temporary",
        ar: "الرخصة السارية ليست رخصة مؤقتة.", en: "The valid permit is not a temporary permit.")
    public static let temporaryNotRenewable = Reason.Code("permit.temporary_not_renewable",
        ar: "الرخصة المؤقتة لا تُجدد: تُمدد مرة واحدة، ثم تُصدر رخصة عمل عادية.",
        en: "A temporary permit is not renewed: it is extended once, then a regular permit is issued.")

    // MARK: Cases (shared)

    public static let notAllowedInState = Reason.Code("case.not_allowed_in_state",
        ar: "لا يمكن تنفيذ الإجراء {action} على {case_ar} وهو في حالة {state}.", en: "{action} is not possible on a {case} that is {state}.")
    public static let caseNotFound = Reason.Code("case.not_found",
        ar: "لا يوجد {case_ar} مفتوح لهذا العامل.", en: "The worker has no open {case}.")
    public static let caseAlreadyOpen = Reason.Code("case.already_open",
        ar: "لدى العامل {case_ar} مفتوح من قبل.", en: "The worker already has an open {case}.")
    public static let caseDeadlinePassed = Reason.Code("case.deadline_passed",
        ar: "انتهت مهلة {case_ar} في {date}.", en: "The deadline of the {case} passed on {date}.")
    public static let notPartyToCase = Reason.Code("case.not_a_party",
        ar: "هذه المنشأة ليست طرفًا في {case_ar}.", en: "This establishment is not a party to the {case}.")

    // MARK: Final exit

    public static let workerRequestNotInForce = Reason.Code("final_exit.worker_request_not_in_force",
        ar: "لا تجيز القواعد النافذة في هذا اليوم أن يطلب العامل الخروج النهائي بنفسه (أجازته إصلاحات العمل).",
        en: "The rules in force on this day do not let a worker ask for a final exit himself (the labor reform did).")
    public static let contractNotEnded = Reason.Code("final_exit.contract_not_ended",
        ar: "يطلب العامل الخروج النهائي عند انتهاء العقد في {date}.", en: "A worker may ask for a final exit when the contract ends, on {date}.")

    // MARK: Service transfer

    public static let transferSameEmployer = Reason.Code("transfer.same_employer",
        ar: "العامل يعمل لدى هذه المنشأة أصلًا.", en: "The worker already works for this establishment.")
    public static let feeMismatch = Reason.Code("fee.amount_mismatch",
        ar: "المبلغ المدفوع {paid} لا يساوي المستحق {due} ريالًا.", en: "The amount paid, {paid}, is not the {due} SAR due.")

    // MARK: Dependents

    public static let notDependent = Reason.Code("dependent.not_dependent",
        ar: "{person} ليس تابعًا لهذا العامل.", en: "{person} is not a dependent of this worker.")

    // MARK: Branch and occupation

    public static let branchOtherCompany = Reason.Code("branch.other_company",
        ar: "الفرع المطلوب لا يتبع الرقم الموحد نفسه.", en: "The target branch does not belong to the same unified number.")
    public static let branchSame = Reason.Code("branch.same_establishment",
        ar: "العامل يعمل في هذا الفرع أصلًا.", en: "The worker already works in this branch.")
    public static let occupationReserved = Reason.Code("occupation.reserved_for_saudis",
        ar: "المهنة {occupation} مقصورة على السعوديين.", en: "The occupation {occupation} is reserved for Saudis.")
    public static let occupationUnfit = Reason.Code("occupation.not_fit_for_activity",
        ar: "المهنة {occupation} لا تناسب نشاط المنشأة ({activity}).", en: "The occupation {occupation} does not fit the establishment's activity ({activity}).")
    public static let occupationUnknown = Reason.Code("occupation.unknown",
        ar: "المهنة {occupation} غير معروفة.", en: "The occupation {occupation} is not known.")
    public static let occupationSame = Reason.Code("occupation.same",
        ar: "العامل مسجل على هذه المهنة أصلًا.", en: "The worker already has this occupation.")
    public static let genericCorrectionUsed = Reason.Code("occupation.generic_correction_used",
        ar: "تصحيح المسمى العام يتاح مرة واحدة، واستُخدم من قبل.", en: "The free correction of a generic title is allowed once and was used.")
    public static let notGenericTitle = Reason.Code("occupation.not_generic",
        ar: "المهنة الحالية {occupation} ليست مسمى عامًا يُصحح مجانًا.", en: "The current occupation {occupation} is not a generic title that can be corrected for free.")

    // MARK: Absence reports

    public static let cancelWindowPassed = Reason.Code("absence.cancel_window_passed",
        ar: "يُلغى بلاغ التغيب خلال {days} يومًا من تقديمه، أي حتى {date}.", en: "An absence report can be cancelled within {days} days of filing, until {date}.")

    // MARK: Recruitment

    public static let tooManyAtOnce = Reason.Code("recruitment.too_many_at_once",
        ar: "طُلبت {count} تأشيرة، والحد في الطلب الواحد {max}.", en: "{count} visas were asked for; one request may ask for at most {max}.")
    public static let newEstablishmentLimit = Reason.Code("recruitment.new_establishment_limit",
        ar: "لا يتجاوز رصيد المنشأة في أشهرها الـ{months} الأولى {max} تأشيرات، وقد اعتُمد لها {approved} حتى {date}.",
        en: "In its first {months} months an establishment may be approved for at most {max} visas; {approved} are approved already (until {date}).")
    public static let balanceInsufficient = Reason.Code("recruitment.balance_insufficient",
        ar: "الرصيد المعتمد لمهنة {occupation} {remaining} تأشيرة، وطُلب {count}.",
        en: "The approved balance for {occupation} is {remaining} visa(s); {count} were asked for.")
    public static let visaNotFound = Reason.Code("recruitment.visa_not_found",
        ar: "لا توجد تأشيرة رقمها {visa} لهذه المنشأة.", en: "This establishment has no visa {visa}.")
    public static let visaExpired = Reason.Code("recruitment.visa_expired",
        ar: "انتهت صلاحية التأشيرة {visa} في {date}.", en: "The visa {visa} expired on {date}.")
    public static let visaMismatch = Reason.Code("recruitment.visa_mismatch",
        ar: "التأشيرة {visa} لمهنة {occupation} وجنسية {nationality}.", en: "The visa {visa} is for the occupation {occupation} and the nationality {nationality}.")
    public static let visaIssueNotFound = Reason.Code("recruitment.visa_issue_not_found",
        ar: "لا يوجد طلب صرف {case_id} بانتظار السداد لهذه المنشأة.", en: "This establishment has no visa issue {case_id} waiting for its fee.")
    public static let notReplaceable = Reason.Code("recruitment.not_replaceable",
        ar: "لم يغادر {worker} هذه المنشأة بخروج نهائي أو تغيب، فلا يُعوَّض بتأشيرة.",
        en: "{worker} is not a worker who left this establishment by final exit or absconding: no compensatory visa replaces him.")
    public static let alreadyReplaced = Reason.Code("recruitment.already_replaced",
        ar: "صدرت (أو طُلبت) تأشيرة تعويضية عن {worker} من قبل.", en: "A compensatory visa for {worker} was already issued or asked for.")
    public static let compensatoryLimit = Reason.Code("recruitment.compensatory_limit",
        ar: "لا تتجاوز التأشيرات التعويضية {max} في السنة للمنشأة التي يقل عمالها عن {size}، واستُخدم منها {used} هذه السنة.",
        en: "An establishment with fewer than {size} employees gets at most {max} compensatory visas a year; {used} were used this year.")

    // MARK: Portal accounts

    public static let alreadyRegistered = Reason.Code("account.already_registered",
        ar: "صاحب الهوية {person} مسجل في البوابة من قبل.", en: "The person {person} is already registered on the portal.")
    public static let residentUnknown = Reason.Code("account.resident_unknown",
        ar: "لا يوجد عامل مقيم مسجل برقم الإقامة {person}؛ يسجل المقيم في البوابة بعد تسجيله عاملًا.",
        en: "No resident worker is registered with iqama {person}; a resident registers on the portal once he is registered as a worker.")
    public static let notRegistered = Reason.Code("account.not_registered",
        ar: "صاحب الهوية {person} غير مسجل في البوابة؛ يسجل أولًا.", en: "The person {person} is not registered on the portal; he must register first.")
    public static let serviceNotGrantable = Reason.Code("account.service_not_grantable",
        ar: "لا تُمنح الخدمة {service} ل{role_ar}.", en: "The service {service} cannot be granted to a {role}.")
    public static let grantUnchanged = Reason.Code("account.grant_unchanged",
        ar: "يملك صاحب الهوية {person} هذا التفويض نفسه على المنشأة {establishment}.",
        en: "The person {person} already holds exactly this on the establishment {establishment}.")
    public static let grantNotFound = Reason.Code("account.grant_not_found",
        ar: "لا يملك صاحب الهوية {person} {kind_ar} ساريًا على المنشأة {establishment}.",
        en: "The person {person} holds no active {kind} on the establishment {establishment}.")
    public static let selfGrant = Reason.Code("account.self_grant",
        ar: "لا يمنح أحد نفسه تفويضًا أو وكالة: المالك يتصرف بصفته مالكًا.",
        en: "Nobody grants himself a delegation or a power of attorney: an owner acts as owner.")
    public static let sameOwners = Reason.Code("establishment.same_owners",
        ar: "ملاك المنشأة مسجلون كما هم.", en: "The establishment's owners are already recorded as given.")

    // MARK: Clock

    public static let clockNotSimulated = Reason.Code("clock.not_simulated",
        ar: "ساعة النظام حقيقية ولا يمكن تحريكها.", en: "This system runs on the real clock, which cannot be moved.")
    public static let clockBackwards = Reason.Code("clock.backwards",
        ar: "لا تعود الساعة إلى الوراء؛ الوقت الحالي {now}.", en: "The clock never moves backwards; it is {now}.")
    public static let clockBeyondRange = Reason.Code("clock.beyond_range",
        ar: "لا تتجاوز الساعة {limit}.", en: "The clock cannot go past {limit}.")

    /// All codes, for documentation and for tests that check every code has both texts.
    /// "The field must be …" with the expected type in both languages.
    public static func wrongType(_ field: String, en: String, ar: String) -> Reason {
        fieldType(["field": field, "expected": en, "expected_ar": ar])
    }

    /// "The field is not valid: …" with the detail in both languages.
    public static func invalid(_ field: String, en: String, ar: String) -> Reason {
        fieldInvalid(["field": field, "detail": en, "detail_ar": ar])
    }

    /// The band refusal, with the band names in both languages.
    public static func band(_ band: NitaqatBand, below required: NitaqatBand) -> Reason {
        bandTooLow(["band": band.english, "band_ar": band.arabic, "required": required.english, "required_ar": required.arabic])
    }

    /// A case refusal (`openCaseBlocks`, `caseNotFound`, …) naming the kind of case in both languages.
    public static func about(_ code: Reason.Code, _ kind: CaseFile.Kind, _ more: [String: String] = [:]) -> Reason {
        code(["case": kind.english, "case_ar": kind.arabic].merging(more) { $1 })
    }

    public static let catalog: [Reason.Code] = [
        malformedJSON, fieldMissing, fieldType, fieldInvalid, fieldUnknown, unknownService, bodyTooLarge, idempotencyKeyInvalid, malformedRequest, listNeedsEstablishment,
        idempotencyKeyMissing, idempotencyConflict, requestNotFound, recordNotFound, accountChoiceNeeded, accountUnknown, requestNotCancellable, requestBeingProcessed,
        requestNotFailed, badQuery, asOfAfterToday, notFound, methodNotAllowed, consoleFormRefused, consoleSignInRefused, badPeriod, internalError, unavailable, technicalRetrying, technicalFailure,
        identifierFormat, identifierPrefix, identifierChecksum, establishmentFormat, unifiedNumberFormat, crFormat, dateFormat,
        unauthenticated, forbidden, roleNotAllowed,
        establishmentNotFound, establishmentInactive, establishmentSuspended, crExpired, expiredPermits, bandTooLow,
        establishmentExists, crTaken, activityUnknown, laborRentalBarred, redSibling, sameActivity, certificateNotCompliant,
        workerNotFound, workerExists, workerNotHere, workerIsSaudi, workerAbsconded, workerDeparted,
        workerNotEmployed, workerNotTransferable, dependentNotTransferable, iqamaExpired, openCaseBlocks,
        permitAlreadyValid, firstIssueWindowPassed, permitPeriodInvalid, noPermit, renewalTooEarly, permitRemoved,
        permitNotPayable, temporaryExtensionUsed, notTemporary, temporaryNotRenewable,
        notAllowedInState, caseNotFound, caseAlreadyOpen, caseDeadlinePassed, notPartyToCase,
        contractNotEnded, workerRequestNotInForce,
        transferSameEmployer, feeMismatch,
        notDependent,
        branchOtherCompany, branchSame, occupationReserved, occupationUnfit, occupationUnknown, occupationSame,
        genericCorrectionUsed, notGenericTitle,
        cancelWindowPassed,
        tooManyAtOnce, newEstablishmentLimit, balanceInsufficient, visaNotFound, visaExpired, visaMismatch, visaIssueNotFound,
        notReplaceable, alreadyReplaced, compensatoryLimit,
        alreadyRegistered, residentUnknown, notRegistered, serviceNotGrantable, grantUnchanged, grantNotFound, sameOwners, selfGrant,
        clockNotSimulated, clockBackwards, clockBeyondRange,
    ]
}
