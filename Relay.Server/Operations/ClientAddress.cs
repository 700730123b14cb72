using System.Net;
using System.Net.Sockets;

namespace SignalRelay.Server.Operations;

/// <summary>Who a request comes from when nothing else names it: its address, as the relay's per-address limits count it.</summary>
public static class ClientAddress
{
    /// <summary>An IPv4 address, or an IPv6 address's /64: one IPv6 client usually holds a whole /64.</summary>
    public static string Key(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    /// <summary>
    /// The address's key in the agents' budgets. It starts with a control character, which no agent id may hold, so an
    /// agent cannot take the name of an address and spend its budget.
    /// </summary>
    public static string BudgetKey(IPAddress? address) => "\u0001" + Key(address);
}
