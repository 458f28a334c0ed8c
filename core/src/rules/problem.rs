//! A problem with a record: which field, what rule, and the words a technician understands,
//! in zh-CN and en. Codes are a closed set; the UI shows the message next to the field.

use chrono::NaiveDate;
use serde::Serialize;

use crate::Locale;

/// A field that must be filled in, named as the technician sees it on the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    RoomName,
    ThermometerSerial,
    CertificateNo,
    Cause,
    WorkDone,
    PartName,
    PartUnit,
    NotFixedReason,
    DamageDescription,
    InspectionDescription,
    MeasuresTaken,
    SignerName,
    RefusalReason,
    WitnessName,
    Satisfaction,
    AppointmentNote,
    AmendmentReason,
    MimeType,
    AccountNo,
    Address,
    OwnerName,
    StatusNote,
    DoneWithoutRecord,
}

impl Label {
    fn text(self, locale: Locale) -> String {
        let (zh, en) = match self {
            Label::RoomName => ("房间名称", "room name"),
            Label::ThermometerSerial => ("温度计编号", "thermometer serial number"),
            Label::CertificateNo => ("检定证书编号", "verification certificate number"),
            Label::Cause => ("故障原因", "cause of the fault"),
            Label::WorkDone => ("维修内容", "work done"),
            Label::PartName => ("配件名称", "part name"),
            Label::PartUnit => ("配件单位", "part unit"),
            Label::NotFixedReason => ("未修复原因", "why it was not fixed"),
            Label::DamageDescription => ("财物损坏情况", "what was damaged"),
            Label::InspectionDescription => ("违规情况描述", "description of the violation"),
            Label::MeasuresTaken => ("处理措施", "measures taken"),
            Label::SignerName => ("签字人姓名", "signer's name"),
            Label::RefusalReason => ("拒签原因", "reason for refusing to sign"),
            Label::WitnessName => ("见证人姓名", "witness's name"),
            Label::Satisfaction => ("客户满意度", "customer satisfaction"),
            Label::AppointmentNote => ("失约原因", "why the appointment was missed"),
            Label::AmendmentReason => ("更正原因", "reason for the correction"),
            Label::MimeType => ("文件类型", "file type"),
            Label::AccountNo => ("户号", "account number"),
            Label::Address => ("地址", "address"),
            Label::OwnerName => ("户主姓名", "owner's name"),
            Label::StatusNote => ("未完成原因", "why it could not be completed"),
            Label::DoneWithoutRecord => {
                ("无签字记录的完成说明", "what was done, as there is no signed record")
            }
        };
        locale.pick(zh, en)
    }
}

/// What is wrong. Serialized with its `code` and the numbers the message quotes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum ProblemKind {
    Missing { what: Label },
    NotANumber,
    ThermometerNotChecked,
    CertificateExpired { expired_on: NaiveDate },
    DoorsNotClosedLongEnough { minutes: u32, required: u32 },
    ProbeNotAtCentre,
    ProbeHeightOutOfRange { height_m: f64, min_m: f64, max_m: f64 },
    NoRooms,
    NoDecidingRoom,
    TemperatureOutOfRange { celsius: f64, min: f64, max: f64 },
    InFuture,
    AreaNotPositive,
    AreaImplausible { area_m2: f64, max_m2: f64 },
    LengthImplausible { metres: f64, max_m: f64 },
    ToleranceOutOfRange { pct: f64 },
    FinishedBeforeArrival,
    QuantityNotPositive,
    DamageWithoutApology,
    CompensationNegative,
    NoViolationType,
    DuplicateViolationType,
    NoPhoto,
    NotAnImage { mime_type: String },
    AttachmentSize { size_bytes: u64, max_bytes: u64 },
    LocationOutOfRange,
    CustomerSignatureMissing,
    WitnessSignatureMissing,
    SignedAndRefused,
    SignatureWithoutStrokes,
    SignatureForOtherContent,
    OfficeOnlyStatus,
}

/// One problem with one field of a record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    /// The field's path in the record's JSON, e.g. `readings[2].celsius`; body fields are
    /// given without the `body.data.` prefix.
    pub field: String,
    #[serde(flatten)]
    pub kind: ProblemKind,
}

impl Problem {
    pub fn new(field: impl Into<String>, kind: ProblemKind) -> Self {
        Problem { field: field.into(), kind }
    }

    /// The stable code the UI branches on.
    pub fn code(&self) -> &'static str {
        use ProblemKind::*;
        match self.kind {
            Missing { .. } => "missing",
            NotANumber => "not_a_number",
            ThermometerNotChecked => "thermometer_not_checked",
            CertificateExpired { .. } => "certificate_expired",
            DoorsNotClosedLongEnough { .. } => "doors_not_closed_long_enough",
            ProbeNotAtCentre => "probe_not_at_centre",
            ProbeHeightOutOfRange { .. } => "probe_height_out_of_range",
            NoRooms => "no_rooms",
            NoDecidingRoom => "no_deciding_room",
            TemperatureOutOfRange { .. } => "temperature_out_of_range",
            InFuture => "in_future",
            AreaNotPositive => "area_not_positive",
            AreaImplausible { .. } => "area_implausible",
            LengthImplausible { .. } => "length_implausible",
            ToleranceOutOfRange { .. } => "tolerance_out_of_range",
            FinishedBeforeArrival => "finished_before_arrival",
            QuantityNotPositive => "quantity_not_positive",
            DamageWithoutApology => "damage_without_apology",
            CompensationNegative => "compensation_negative",
            NoViolationType => "no_violation_type",
            DuplicateViolationType => "duplicate_violation_type",
            NoPhoto => "no_photo",
            NotAnImage { .. } => "not_an_image",
            AttachmentSize { .. } => "attachment_size",
            LocationOutOfRange => "location_out_of_range",
            CustomerSignatureMissing => "customer_signature_missing",
            WitnessSignatureMissing => "witness_signature_missing",
            SignedAndRefused => "signed_and_refused",
            SignatureWithoutStrokes => "signature_without_strokes",
            SignatureForOtherContent => "signature_for_other_content",
            OfficeOnlyStatus => "office_only_status",
        }
    }

    /// The message a technician reads next to the field.
    pub fn message(&self, locale: Locale) -> String {
        use ProblemKind::*;
        let l = locale;
        match &self.kind {
            Missing { what } => l.pick(format!("请填写{}", what.text(l)), format!("Enter the {}.", what.text(l))),
            NotANumber => l.pick("请输入有效的数字", "Enter a valid number."),
            ThermometerNotChecked => l.pick(
                "测温前须确认温度计完好（第六十四条）",
                "Confirm the thermometer works before measuring (§64).",
            ),
            CertificateExpired { expired_on } => l.pick(
                format!("温度计检定证书已于 {expired_on} 过期，请换用检定合格的温度计"),
                format!("The thermometer's certificate expired on {expired_on}; use a verified thermometer."),
            ),
            DoorsNotClosedLongEnough { minutes, required } => l.pick(
                format!("门窗须关闭至少 {required} 分钟后再测温（现为 {minutes} 分钟）"),
                format!("Doors and windows must be closed for at least {required} minutes before measuring (now {minutes})."),
            ),
            ProbeNotAtCentre => l.pick("测温点应在房间中央", "Place the probe at the centre of the room."),
            ProbeHeightOutOfRange { height_m, min_m, max_m } => l.pick(
                format!("测温点高度应在 {min_m}–{max_m} 米之间（现为 {height_m} 米）"),
                format!("The probe must be {min_m}–{max_m} m above the floor (now {height_m} m)."),
            ),
            NoRooms => l.pick("请至少录入一个房间", "Add at least one room."),
            NoDecidingRoom => l.pick(
                "请至少测量一间卧室或起居室：是否达标由它们判定",
                "Measure at least one bedroom or living room: they decide compliance.",
            ),
            TemperatureOutOfRange { celsius, min, max } => l.pick(
                format!("温度 {celsius} °C 不可能，应在 {min}…{max} °C 之间，请检查读数"),
                format!("{celsius} °C is not possible; a reading is between {min} and {max} °C. Check the reading."),
            ),
            InFuture => l.pick("时间不能晚于现在", "This time is in the future."),
            AreaNotPositive => l.pick("面积和尺寸必须大于 0", "Areas and lengths must be greater than 0."),
            AreaImplausible { area_m2, max_m2 } => l.pick(
                format!("面积 {area_m2} 平方米过大（上限 {max_m2} 平方米），请检查输入"),
                format!("{area_m2} m² is too large (limit {max_m2} m²); check the entry."),
            ),
            LengthImplausible { metres, max_m } => l.pick(
                format!("边长 {metres} 米过大（上限 {max_m} 米），请检查输入"),
                format!("A side of {metres} m is too long (limit {max_m} m); check the entry."),
            ),
            ToleranceOutOfRange { pct } => l.pick(
                format!("允许误差 {pct}% 无效，应大于 0 且不超过 100%"),
                format!("A tolerance of {pct}% is not valid; it must be above 0 and at most 100%."),
            ),
            FinishedBeforeArrival => l.pick("完成时间不能早于到达时间", "The finish time cannot be before the arrival time."),
            QuantityNotPositive => l.pick("配件数量必须大于 0", "A part's quantity must be greater than 0."),
            DamageWithoutApology => l.pick(
                "损坏客户财物须向客户道歉（第七十七条）",
                "Damage to the customer's property requires an apology (§77).",
            ),
            CompensationNegative => l.pick("赔偿金额不能为负数", "Compensation cannot be negative."),
            NoViolationType => l.pick("请至少选择一种违规类型", "Choose at least one type of violation."),
            DuplicateViolationType => l.pick("违规类型重复", "A violation type is listed twice."),
            NoPhoto => l.pick("请至少拍摄一张现场照片", "Take at least one photo on site."),
            NotAnImage { mime_type } => l.pick(
                format!("照片须为图片文件（现为 {mime_type}）"),
                format!("A photo must be an image file (this is {mime_type})."),
            ),
            AttachmentSize { size_bytes, max_bytes } => l.pick(
                format!("文件大小 {size_bytes} 字节无效（须大于 0 且不超过 {max_bytes} 字节）"),
                format!("A file of {size_bytes} bytes is not allowed (must be 1 to {max_bytes} bytes)."),
            ),
            LocationOutOfRange => l.pick("定位坐标无效", "The GPS location is not valid."),
            CustomerSignatureMissing => l.pick(
                "请客户签字；客户拒签时请记录拒签原因和见证人",
                "Ask the customer to sign; if they refuse, record the refusal and a witness.",
            ),
            WitnessSignatureMissing => l.pick("客户拒签时须由见证人签字", "A refusal needs the witness's signature."),
            SignedAndRefused => l.pick(
                "客户已签字，不能同时记录拒签",
                "The customer signed, so the record cannot also note a refusal.",
            ),
            SignatureWithoutStrokes => l.pick("签名为空，请重新签字", "The signature is empty; please sign again."),
            SignatureForOtherContent => l.pick(
                "签名后记录内容已改变，请重新签字",
                "The record changed after it was signed; please sign again.",
            ),
            OfficeOnlyStatus => l.pick(
                "结单和撤销工单由调度员办理，维修人员不能操作，请联系调度",
                "Closing or cancelling an order is the office's to do, not the crew's; call the dispatcher.",
            ),
        }
    }
}
