package mtp

import "fmt"

// Operation codes (PTP 1.1 §10.4; MTP 1.1 Appendix D; Android
// media/mtp/mtp.h for the 0x95Cx extension).
const (
	OpGetDeviceInfo           uint16 = 0x1001
	OpOpenSession             uint16 = 0x1002
	OpCloseSession            uint16 = 0x1003
	OpGetStorageIDs           uint16 = 0x1004
	OpGetStorageInfo          uint16 = 0x1005
	OpGetNumObjects           uint16 = 0x1006
	OpGetObjectHandles        uint16 = 0x1007
	OpGetObjectInfo           uint16 = 0x1008
	OpGetObject               uint16 = 0x1009
	OpGetThumb                uint16 = 0x100A
	OpDeleteObject            uint16 = 0x100B
	OpSendObjectInfo          uint16 = 0x100C
	OpSendObject              uint16 = 0x100D
	OpInitiateCapture         uint16 = 0x100E
	OpFormatStore             uint16 = 0x100F
	OpResetDevice             uint16 = 0x1010
	OpSelfTest                uint16 = 0x1011
	OpSetObjectProtection     uint16 = 0x1012
	OpPowerDown               uint16 = 0x1013
	OpGetDevicePropDesc       uint16 = 0x1014
	OpGetDevicePropValue      uint16 = 0x1015
	OpSetDevicePropValue      uint16 = 0x1016
	OpResetDevicePropValue    uint16 = 0x1017
	OpTerminateOpenCapture    uint16 = 0x1018
	OpMoveObject              uint16 = 0x1019
	OpCopyObject              uint16 = 0x101A
	OpGetPartialObject        uint16 = 0x101B
	OpInitiateOpenCapture     uint16 = 0x101C
	OpGetObjectPropsSupported uint16 = 0x9801
	OpGetObjectPropDesc       uint16 = 0x9802
	OpGetObjectPropValue      uint16 = 0x9803
	OpSetObjectPropValue      uint16 = 0x9804
	OpGetObjectPropList       uint16 = 0x9805
	OpSetObjectPropList       uint16 = 0x9806
	OpSendObjectPropList      uint16 = 0x9808
	OpGetObjectReferences     uint16 = 0x9810
	OpSetObjectReferences     uint16 = 0x9811
	OpAndroidGetPartialObj64  uint16 = 0x95C1
	OpAndroidSendPartialObj   uint16 = 0x95C2
	OpAndroidTruncateObject   uint16 = 0x95C3
	OpAndroidBeginEditObject  uint16 = 0x95C4
	OpAndroidEndEditObject    uint16 = 0x95C5
)

// Mutating reports whether op changes the handset (writes, deletes, moves,
// formats, resets, changes a property, powers down, captures) or is not a
// known read-only operation. sk-rescue never sends one; the simulator counts
// them.
func Mutating(op uint16) bool {
	switch op {
	case OpGetDeviceInfo, OpOpenSession, OpCloseSession, OpGetStorageIDs,
		OpGetStorageInfo, OpGetNumObjects, OpGetObjectHandles, OpGetObjectInfo,
		OpGetObject, OpGetThumb, OpGetDevicePropDesc, OpGetDevicePropValue,
		OpGetPartialObject, OpGetObjectPropsSupported, OpGetObjectPropDesc,
		OpGetObjectPropValue, OpGetObjectPropList, OpGetObjectReferences,
		OpAndroidGetPartialObj64:
		return false
	}
	return true
}

// Response codes (PTP 1.1 §11; MTP 1.1 Appendix F).
const (
	RespOK                       uint16 = 0x2001
	RespGeneralError             uint16 = 0x2002
	RespSessionNotOpen           uint16 = 0x2003
	RespInvalidTransactionID     uint16 = 0x2004
	RespOperationNotSupported    uint16 = 0x2005
	RespParameterNotSupported    uint16 = 0x2006
	RespIncompleteTransfer       uint16 = 0x2007
	RespInvalidStorageID         uint16 = 0x2008
	RespInvalidObjectHandle      uint16 = 0x2009
	RespDevicePropNotSupported   uint16 = 0x200A
	RespInvalidObjectFormatCode  uint16 = 0x200B
	RespStoreFull                uint16 = 0x200C
	RespObjectWriteProtected     uint16 = 0x200D
	RespStoreReadOnly            uint16 = 0x200E
	RespAccessDenied             uint16 = 0x200F
	RespStoreNotAvailable        uint16 = 0x2013
	RespSpecByFormatUnsupported  uint16 = 0x2014
	RespDeviceBusy               uint16 = 0x2019
	RespInvalidParentObject      uint16 = 0x201A
	RespInvalidParameter         uint16 = 0x201D
	RespSessionAlreadyOpen       uint16 = 0x201E
	RespTransactionCancelled     uint16 = 0x201F
	RespInvalidObjectPropCode    uint16 = 0xA801
	RespSpecByGroupUnsupported   uint16 = 0xA807
	RespSpecByDepthUnsupported   uint16 = 0xA808
	RespObjectPropNotSupported   uint16 = 0xA80A
	RespInvalidObjectPropFormat  uint16 = 0xA802
	RespObjectTooLarge           uint16 = 0xA809
	RespInvalidObjectReference   uint16 = 0xA804
	RespInvalidDataset           uint16 = 0xA806
	RespInvalidObjectPropValue   uint16 = 0xA803
	RespInvalidCodeFormat        uint16 = 0x2016
	RespUnknownVendorCode        uint16 = 0x2017
	RespNoValidObjectInfo        uint16 = 0x2015
	RespPartialDeletion          uint16 = 0x2012
	RespSelfTestFailed           uint16 = 0x2011
	RespNoThumbnailPresent       uint16 = 0x2010
	RespCaptureAlreadyTerminated uint16 = 0x2018
	RespInvalidDevicePropFormat  uint16 = 0x201B
	RespInvalidDevicePropValue   uint16 = 0x201C
	RespSpecOfDestinationUnsupp  uint16 = 0x2020
)

// Event codes (PTP 1.1 §12; MTP 1.1 Appendix G).
const (
	EventObjectAdded         uint16 = 0x4002
	EventObjectRemoved       uint16 = 0x4003
	EventStoreAdded          uint16 = 0x4004
	EventStoreRemoved        uint16 = 0x4005
	EventDevicePropChanged   uint16 = 0x4006
	EventObjectInfoChanged   uint16 = 0x4007
	EventDeviceReset         uint16 = 0x400B
	EventObjectPropChanged   uint16 = 0xC801
	EventUnreportedStatus    uint16 = 0x400E
	EventStorageInfoChanged  uint16 = 0x400C
	EventCaptureComplete     uint16 = 0x400D
	EventDeviceInfoChanged   uint16 = 0x4008
	EventRequestObjectTransf uint16 = 0x4009
	EventStoreFull           uint16 = 0x400A
)

// Object format codes (MTP 1.1 Appendix A; libmtp ptp.h; Android mtp.h).
const (
	FormatUndefined     uint16 = 0x3000
	FormatAssociation   uint16 = 0x3001
	FormatText          uint16 = 0x3004
	FormatHTML          uint16 = 0x3005
	FormatEXIFJPEG      uint16 = 0x3801
	FormatTIFFEP        uint16 = 0x3802
	FormatBMP           uint16 = 0x3804
	FormatGIF           uint16 = 0x3807
	FormatJFIF          uint16 = 0x3808
	FormatPNG           uint16 = 0x380B
	FormatTIFF          uint16 = 0x380D
	FormatDNG           uint16 = 0x3811
	FormatHEIF          uint16 = 0x3812
	FormatMP4           uint16 = 0xB982
	Format3GP           uint16 = 0xB984
	FormatAbstractCont  uint16 = 0xBB81
	FormatVCard2        uint16 = 0xBB82
	FormatVCard3        uint16 = 0xBB83
	FormatAbstractCal   uint16 = 0xBE01
	FormatVCal1         uint16 = 0xBE02
	FormatICal          uint16 = 0xBE03
	FormatAllFormats    uint16 = 0x0000
	AssocGenericFolder  uint16 = 0x0001
	StorageFixedRAM     uint16 = 0x0003
	FSGenericHierarchy  uint16 = 0x0002
	AccessReadOnlyNoDel uint16 = 0x0001
)

// Object property codes (MTP 1.1 Appendix B).
const (
	PropStorageID        uint16 = 0xDC01
	PropObjectFormat     uint16 = 0xDC02
	PropProtectionStatus uint16 = 0xDC03
	PropObjectSize       uint16 = 0xDC04
	PropAssociationType  uint16 = 0xDC05
	PropObjectFileName   uint16 = 0xDC07
	PropDateCreated      uint16 = 0xDC08
	PropDateModified     uint16 = 0xDC09
	PropParentObject     uint16 = 0xDC0B
	PropPersistentUID    uint16 = 0xDC41
	PropName             uint16 = 0xDC44
)

// Device property codes (PTP 1.1 §13).
const (
	DevicePropBatteryLevel uint16 = 0x5001
)

// Special parameter values.
const (
	// AllStorages in GetObjectHandles' storage parameter.
	AllStorages uint32 = 0xFFFFFFFF
	// ParentRoot in GetObjectHandles' parent parameter: the storage's root.
	ParentRoot uint32 = 0xFFFFFFFF
	// AllHandles with DepthAll in GetObjectPropList: every object.
	AllHandles uint32 = 0xFFFFFFFF
	// AllProps in GetObjectPropList's property parameter.
	AllProps uint32 = 0xFFFFFFFF
	// DepthAll in GetObjectPropList's depth parameter.
	DepthAll uint32 = 0xFFFFFFFF
	// LengthUnknown is a data container length meaning "4 GiB or more:
	// read until a short packet".
	LengthUnknown uint32 = 0xFFFFFFFF
)

var opNames = map[uint16]string{
	OpGetDeviceInfo: "GetDeviceInfo", OpOpenSession: "OpenSession", OpCloseSession: "CloseSession",
	OpGetStorageIDs: "GetStorageIDs", OpGetStorageInfo: "GetStorageInfo", OpGetNumObjects: "GetNumObjects",
	OpGetObjectHandles: "GetObjectHandles", OpGetObjectInfo: "GetObjectInfo", OpGetObject: "GetObject",
	OpGetThumb: "GetThumb", OpDeleteObject: "DeleteObject", OpSendObjectInfo: "SendObjectInfo",
	OpSendObject: "SendObject", OpInitiateCapture: "InitiateCapture", OpFormatStore: "FormatStore",
	OpResetDevice: "ResetDevice", OpSelfTest: "SelfTest", OpSetObjectProtection: "SetObjectProtection",
	OpPowerDown: "PowerDown", OpGetDevicePropDesc: "GetDevicePropDesc", OpGetDevicePropValue: "GetDevicePropValue",
	OpSetDevicePropValue: "SetDevicePropValue", OpResetDevicePropValue: "ResetDevicePropValue",
	OpTerminateOpenCapture: "TerminateOpenCapture", OpMoveObject: "MoveObject", OpCopyObject: "CopyObject",
	OpGetPartialObject: "GetPartialObject", OpInitiateOpenCapture: "InitiateOpenCapture",
	OpGetObjectPropsSupported: "GetObjectPropsSupported", OpGetObjectPropDesc: "GetObjectPropDesc",
	OpGetObjectPropValue: "GetObjectPropValue", OpSetObjectPropValue: "SetObjectPropValue",
	OpGetObjectPropList: "GetObjectPropList", OpSetObjectPropList: "SetObjectPropList",
	OpSendObjectPropList: "SendObjectPropList", OpGetObjectReferences: "GetObjectReferences",
	OpSetObjectReferences: "SetObjectReferences", OpAndroidGetPartialObj64: "GetPartialObject64",
	OpAndroidSendPartialObj: "SendPartialObject", OpAndroidTruncateObject: "TruncateObject",
	OpAndroidBeginEditObject: "BeginEditObject", OpAndroidEndEditObject: "EndEditObject",
}

var respNames = map[uint16]string{
	RespOK: "OK", RespGeneralError: "GeneralError", RespSessionNotOpen: "SessionNotOpen",
	RespInvalidTransactionID: "InvalidTransactionID", RespOperationNotSupported: "OperationNotSupported",
	RespParameterNotSupported: "ParameterNotSupported", RespIncompleteTransfer: "IncompleteTransfer",
	RespInvalidStorageID: "InvalidStorageID", RespInvalidObjectHandle: "InvalidObjectHandle",
	RespDevicePropNotSupported: "DevicePropNotSupported", RespInvalidObjectFormatCode: "InvalidObjectFormatCode",
	RespStoreFull: "StoreFull", RespObjectWriteProtected: "ObjectWriteProtected", RespStoreReadOnly: "StoreReadOnly",
	RespAccessDenied: "AccessDenied", RespNoThumbnailPresent: "NoThumbnailPresent", RespSelfTestFailed: "SelfTestFailed",
	RespPartialDeletion: "PartialDeletion", RespStoreNotAvailable: "StoreNotAvailable",
	RespSpecByFormatUnsupported: "SpecificationByFormatUnsupported", RespNoValidObjectInfo: "NoValidObjectInfo",
	RespInvalidCodeFormat: "InvalidCodeFormat", RespUnknownVendorCode: "UnknownVendorCode",
	RespCaptureAlreadyTerminated: "CaptureAlreadyTerminated", RespDeviceBusy: "DeviceBusy",
	RespInvalidParentObject: "InvalidParentObject", RespInvalidDevicePropFormat: "InvalidDevicePropFormat",
	RespInvalidDevicePropValue: "InvalidDevicePropValue", RespInvalidParameter: "InvalidParameter",
	RespSessionAlreadyOpen: "SessionAlreadyOpen", RespTransactionCancelled: "TransactionCancelled",
	RespSpecOfDestinationUnsupp: "SpecificationOfDestinationUnsupported",
	RespInvalidObjectPropCode:   "InvalidObjectPropCode", RespInvalidObjectPropFormat: "InvalidObjectPropFormat",
	RespInvalidObjectPropValue: "InvalidObjectPropValue", RespInvalidObjectReference: "InvalidObjectReference",
	RespInvalidDataset: "InvalidDataset", RespSpecByGroupUnsupported: "SpecificationByGroupUnsupported",
	RespSpecByDepthUnsupported: "SpecificationByDepthUnsupported", RespObjectTooLarge: "ObjectTooLarge",
	RespObjectPropNotSupported: "ObjectPropNotSupported",
}

// OpName returns the operation's name, or its code in hex.
func OpName(op uint16) string {
	if n, ok := opNames[op]; ok {
		return n
	}
	return fmt.Sprintf("op 0x%04x", op)
}

// RespName returns the response code's name, or the code in hex.
func RespName(code uint16) string {
	if n, ok := respNames[code]; ok {
		return n
	}
	return fmt.Sprintf("response 0x%04x", code)
}

// KnownOp reports whether op is an operation this package has a name for.
func KnownOp(op uint16) bool {
	_, ok := opNames[op]
	return ok
}
