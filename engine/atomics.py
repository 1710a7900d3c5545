"""Low-level intrinsics for compiled engine code: atomic acquire loads, release stores, fences, the
CPU cycle counter and cache prefetch hints (emitted as LLVM instructions), and borrowed array views.

Numba's public API has no CPU atomics or fences (numba issue #2988), so lock-free structures shared
between processes (the SPSC ring, the seqlock table) get them here through
``numba.core.extending.intrinsic``: :func:`load_acquire` emits ``load atomic i64 ... acquire``,
:func:`store_release` emits ``store atomic i64 ... release``, :func:`fence_acquire` /
:func:`fence_release` / :func:`fence_seq_cst` emit ``fence``, and :func:`cycle_counter` emits
``llvm.readcyclecounter`` (RDTSC on x86-64).  On x86-64 acquire loads and release stores compile to
plain ``mov`` instructions, but they also forbid the *compiler* from moving other memory accesses
across them, which is what makes the ring and the seqlock correct; on weakly ordered CPUs (ARM) LLVM
emits the required barriers.

:func:`borrowed` returns a view of an array without its reference-counted owner (a null NRT
meminfo).  Numba increments and decrements the reference count of every array passed to a compiled
call that it cannot inline, with atomic instructions; a state made of several arrays pays tens of
them per call, which costs more than a book operation.  The hot entry points borrow their arrays
once on entry and pass them straight to a compiled worker as arguments.  A borrowed view keeps
nothing alive: it is valid only while the original array is held, so it must never outlive the
compiled call that made it (never returned to Python, stored in an object or captured).  Numba's
dead-code elimination must also see it as an alias of its source (registered below), and views
gathered in a tuple are not tracked through the tuple, so writes go through a worker's arguments.
A view is typed :class:`BorrowedArray`, whose data model hides its null meminfo from the NRT, so
Numba emits no ``NRT_incref`` / ``NRT_decref`` calls when it is copied into inlined code or calls.

The atomic functions take an int64 array and an index: the atomic word is ``arr[idx]`` (8-byte aligned,
because numpy aligns int64 arrays and shared-memory buffers are page aligned).  They can be called
only from compiled code.

References
----------
LLVM Language Reference, "Atomic Memory Ordering Constraints" and ``fence`` instruction.
Boehm, H.-J. (2012), "Can seqlocks get along with programming language memory models?", MSPC.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils, ir_utils
from numba.core.datamodel.models import ArrayModel
from numba.core.extending import intrinsic, register_model
from numba.np.arrayobj import populate_array

__all__ = [
    "load_acquire",
    "store_release",
    "fence_acquire",
    "fence_release",
    "fence_seq_cst",
    "cycle_counter",
    "borrowed",
    "BorrowedArray",
    "prefetch_row",
]


def _word_pointer(context, builder, arr_type, arr_val, idx_val):
    arr = context.make_array(arr_type)(context, builder, arr_val)
    return cgutils.get_item_pointer(context, builder, arr_type, arr, [idx_val], wraparound=False)


def _check_int64_array(arr):
    if not (isinstance(arr, types.Array) and arr.dtype == types.int64 and arr.ndim == 1):
        raise TypeError(f"atomic word must live in a 1-D int64 array, got {arr}")


@intrinsic
def load_acquire(typingctx, arr, idx):
    """``arr[idx]`` read with acquire ordering (no later access moves before it)."""
    _check_int64_array(arr)
    sig = types.int64(arr, types.intp)

    def codegen(context, builder, signature, args):
        idx_val = context.cast(builder, args[1], signature.args[1], types.intp)
        ptr = _word_pointer(context, builder, signature.args[0], args[0], idx_val)
        return builder.load_atomic(ptr, "acquire", 8)

    return sig, codegen


@intrinsic
def store_release(typingctx, arr, idx, value):
    """``arr[idx] = value`` with release ordering (no earlier access moves after it)."""
    _check_int64_array(arr)
    sig = types.void(arr, types.intp, types.int64)

    def codegen(context, builder, signature, args):
        idx_val = context.cast(builder, args[1], signature.args[1], types.intp)
        val = context.cast(builder, args[2], signature.args[2], types.int64)
        ptr = _word_pointer(context, builder, signature.args[0], args[0], idx_val)
        builder.store_atomic(val, ptr, "release", 8)
        return context.get_dummy_value()

    return sig, codegen


def _fence(ordering):
    @intrinsic
    def fence(typingctx):
        sig = types.void()

        def codegen(context, builder, signature, args):
            builder.fence(ordering)
            return context.get_dummy_value()

        return sig, codegen

    return fence


fence_acquire = _fence("acquire")
fence_acquire.__doc__ = "An acquire fence: loads before it are ordered before every access after it."
fence_release = _fence("release")
fence_release.__doc__ = "A release fence: every access before it is ordered before stores after it."
fence_seq_cst = _fence("seq_cst")
fence_seq_cst.__doc__ = "A sequentially consistent fence (MFENCE on x86-64)."


@intrinsic
def cycle_counter(typingctx):
    """The CPU's cycle (time-stamp) counter, ``llvm.readcyclecounter``; 0 where the target has none."""
    sig = types.int64()

    def codegen(context, builder, signature, args):
        fnty = ir.FunctionType(ir.IntType(64), [])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.readcyclecounter")
        return builder.call(fn, [])

    return sig, codegen


@intrinsic
def prefetch_row(typingctx, arr, row):
    """Hint the CPU to load the cache line holding ``arr[row]`` (``llvm.prefetch``, read, high
    locality); a hint only: it never faults, so any row index, even a stale one, is safe."""
    if not (isinstance(arr, types.Array) and arr.ndim >= 1 and isinstance(row, types.Integer)):
        raise TypeError(f"prefetch_row() takes an array and an integer row, got {arr}, {row}")
    sig = types.void(arr, row)

    def codegen(context, builder, signature, args):
        a = context.make_array(signature.args[0])(context, builder, args[0])
        r = context.cast(builder, args[1], signature.args[1], types.intp)
        stride = cgutils.unpack_tuple(builder, a.strides)[0]
        addr = builder.add(builder.ptrtoint(a.data, cgutils.intp_t), builder.mul(r, stride))
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]), "llvm.prefetch.p0"
        )
        builder.call(fn, [builder.inttoptr(addr, i8p), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return sig, codegen


class BorrowedArray(types.Array):
    """Numba type of a :func:`borrowed` view: an array whose (null) meminfo Numba never reference counts.

    It types and lowers as an ``Array`` (a subclass matches every array template), but its data model
    hides the meminfo from the reference-count pass, so copying the view between variables, into an
    inlined function or into a call emits no ``NRT_incref`` / ``NRT_decref`` calls (each one is an
    out-of-line call that also forces registers to be spilled).  Views derived from it (slices,
    copies) are ordinary arrays.
    """

    def __init__(self, dtype, ndim, layout, readonly=False, aligned=True):
        super().__init__(
            dtype, ndim, layout, readonly=readonly, aligned=aligned, name=f"borrowed({dtype}, {ndim}d, {layout})"
        )


@register_model(BorrowedArray)
class _BorrowedArrayModel(ArrayModel):
    def traverse(self, builder):
        return []  # no member is reported to the NRT: the meminfo is null and owned by nobody


@intrinsic
def borrowed(typingctx, arr):
    """A view of ``arr`` (same data, shape, strides) that is not reference counted.

    Valid only while ``arr`` itself is alive: use it inside the compiled function that received
    ``arr`` and never return or store it.
    """
    if not isinstance(arr, types.Array):
        raise TypeError(f"borrowed() takes an array, got {arr}")
    sig = BorrowedArray(arr.dtype, arr.ndim, arr.layout, readonly=not arr.mutable, aligned=arr.aligned)(arr)

    def codegen(context, builder, signature, args):
        src = context.make_array(signature.args[0])(context, builder, args[0])
        dst = context.make_array(signature.return_type)(context, builder)
        populate_array(dst, data=src.data, shape=src.shape, strides=src.strides, itemsize=src.itemsize, meminfo=None)
        return dst._getvalue()

    return sig, codegen


def _borrowed_aliases_its_argument(lhs, args, alias_map, arg_aliases):
    ir_utils._add_alias(lhs, args[0].name, alias_map, arg_aliases)


# Numba's dead-code elimination drops stores to arrays it believes are fresh and unread afterwards; a
# call result counts as fresh unless registered as an alias of its argument, as done here.
ir_utils.alias_func_extensions[("borrowed", __name__)] = _borrowed_aliases_its_argument
