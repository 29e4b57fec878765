// Package mtp reads handsets over MTP (Media Transfer Protocol 1.1, USB-IF
// 2011) and its base PTP (PIMA 15740:2000 / ISO 15740). It holds three layers:
//
//   - the wire codec: bulk containers (command, data, response, event) and
//     the datasets (DeviceInfo, StorageInfo, ObjectInfo, ObjectPropList,
//     DevicePropDesc, PTP strings and arrays). device/sim's responder uses
//     the same codec, so both ends are exercised by one encoder/decoder;
//   - a Client that runs transactions over a device.Link with USB transfer
//     semantics, streaming data phases into an io.Writer;
//   - Handset, the device.Handset adapter: list objects as device.Items,
//     stream their bytes, never send a mutating operation.
//
// Sources for the quirks it tolerates are in docs/notes (mtp.md): libmtp,
// go-mtpfs, QEMU hw/usb/dev-mtp.c and Android's MtpServer.
package mtp
