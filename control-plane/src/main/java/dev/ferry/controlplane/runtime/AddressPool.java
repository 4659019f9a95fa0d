package dev.ferry.controlplane.runtime;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * Loopback addresses for pods: each pod gets its own, none is handed out twice while a pod holds
 * it, and handing out goes round the pool (a released address is the last to come back). An
 * address whose needed ports are taken by some other process (another test JVM) is skipped.
 */
final class AddressPool {

  private final int first;
  private final int size;
  private final Set<Integer> inUse = new HashSet<>();
  private int next;

  AddressPool(String firstAddress, int size) {
    this.first = toInt(firstAddress);
    if ((first >>> 24) != 127) {
      throw new IllegalArgumentException("pod addresses must be in 127.0.0.0/8, not " + firstAddress);
    }
    if (size < 1 || ((first + size - 1) >>> 24) != 127) {
      throw new IllegalArgumentException(size + " addresses from " + firstAddress + " leave 127.0.0.0/8");
    }
    this.size = size;
  }

  /** A free address on which all {@code ports} can be bound, or null when none is left. */
  synchronized String acquire(Collection<Integer> ports) {
    for (int i = 0; i < size; i++) {
      int candidate = first + (next + i) % size;
      int lastOctet = candidate & 0xff;
      if (inUse.contains(candidate) || lastOctet == 0 || lastOctet == 255 || candidate == toInt("127.0.0.1")) {
        continue;
      }
      String address = toString(candidate);
      if (!bindable(address, ports)) {
        continue;
      }
      inUse.add(candidate);
      next = (next + i + 1) % size;
      return address;
    }
    return null;
  }

  synchronized void release(String address) {
    if (address != null) {
      inUse.remove(toInt(address));
    }
  }

  synchronized int inUse() {
    return inUse.size();
  }

  private static boolean bindable(String address, Collection<Integer> ports) {
    for (int port : ports) {
      try (ServerSocket s = new ServerSocket()) {
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getByName(address), port), 1);
      } catch (IOException e) {
        return false;
      }
    }
    return true;
  }

  static int toInt(String address) {
    try {
      byte[] b = InetAddress.getByName(address).getAddress();
      if (b.length != 4) {
        throw new IllegalArgumentException("not an IPv4 address: " + address);
      }
      return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an address: " + address, e);
    }
  }

  static String toString(int a) {
    return ((a >>> 24) & 0xff) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff);
  }
}
