using System.Xml.Linq;

namespace DevAddr.Libvirt;

/// <summary>
/// The element and attribute names of domain XML that the reader, the checks and the writer look up, each made once: a
/// name given as a string is looked up in the name table on every use (its hash computed anew), and a guest's
/// expansion makes a few hundred such lookups.
/// </summary>
internal static class XmlNames
{
    internal static readonly XName Access = "access";
    internal static readonly XName Accessmode = "accessmode";
    internal static readonly XName Acpi = "acpi";
    internal static readonly XName Action = "action";
    internal static readonly XName Adapter = "adapter";
    internal static readonly XName Address = "address";
    internal static readonly XName Alias = "alias";
    internal static readonly XName Arch = "arch";
    internal static readonly XName Backend = "backend";
    internal static readonly XName Base = "base";
    internal static readonly XName Bus = "bus";
    internal static readonly XName BusNr = "busNr";
    internal static readonly XName Cell = "cell";
    internal static readonly XName Chassis = "chassis";
    internal static readonly XName ChassisNr = "chassisNr";
    internal static readonly XName Controller = "controller";
    internal static readonly XName Cpu = "cpu";
    internal static readonly XName Cssid = "cssid";
    internal static readonly XName Dev = "dev";
    internal static readonly XName Device = "device";
    internal static readonly XName Devices = "devices";
    internal static readonly XName Devno = "devno";
    internal static readonly XName Dir = "dir";
    internal static readonly XName Domain = "domain";
    internal static readonly XName Driver = "driver";
    internal static readonly XName Eim = "eim";
    internal static readonly XName Emulator = "emulator";
    internal static readonly XName Features = "features";
    internal static readonly XName Fid = "fid";
    internal static readonly XName File = "file";
    internal static readonly XName Firmware = "firmware";
    internal static readonly XName Function = "function";
    internal static readonly XName Heads = "heads";
    internal static readonly XName Host = "host";
    internal static readonly XName Hotplug = "hotplug";
    internal static readonly XName Id = "id";
    internal static readonly XName Index = "index";
    internal static readonly XName Intremap = "intremap";
    internal static readonly XName Loader = "loader";
    internal static readonly XName Mac = "mac";
    internal static readonly XName Machine = "machine";
    internal static readonly XName Managed = "managed";
    internal static readonly XName Master = "master";
    internal static readonly XName MaxMemory = "maxMemory";
    internal static readonly XName MemAccess = "memAccess";
    internal static readonly XName MemoryBacking = "memoryBacking";
    internal static readonly XName Mode = "mode";
    internal static readonly XName Model = "model";
    internal static readonly XName Multifunction = "multifunction";
    internal static readonly XName Name = "name";
    internal static readonly XName Node = "node";
    internal static readonly XName Numa = "numa";
    internal static readonly XName Os = "os";
    internal static readonly XName Pcihole64 = "pcihole64";
    internal static readonly XName Port = "port";
    internal static readonly XName Ports = "ports";
    internal static readonly XName Primary = "primary";
    internal static readonly XName Product = "product";
    internal static readonly XName Protocol = "protocol";
    internal static readonly XName Ram = "ram";
    internal static readonly XName Reg = "reg";
    internal static readonly XName Slot = "slot";
    internal static readonly XName Slots = "slots";
    internal static readonly XName Socket = "socket";
    internal static readonly XName Source = "source";
    internal static readonly XName Ssid = "ssid";
    internal static readonly XName Startport = "startport";
    internal static readonly XName State = "state";
    internal static readonly XName Target = "target";
    internal static readonly XName Type = "type";
    internal static readonly XName Uid = "uid";
    internal static readonly XName Unit = "unit";
    internal static readonly XName Uuid = "uuid";
    internal static readonly XName Value = "value";
    internal static readonly XName Vcpu = "vcpu";
    internal static readonly XName Vectors = "vectors";
    internal static readonly XName Vendor = "vendor";
    internal static readonly XName Vgamem = "vgamem";
    internal static readonly XName Vram = "vram";
    internal static readonly XName Watchdog = "watchdog";
    internal static readonly XName Wwpn = "wwpn";
    internal static readonly XName Zpci = "zpci";
}
