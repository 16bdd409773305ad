using Jumpstart.Hostd.Cms;
using Xunit;

namespace Jumpstart.Tests.Cms;

/// <summary>Assertions on refused CMS calls.</summary>
internal static class CmsAssert
{
    public static async Task<CmsException> RefusedAsync(int expectedCode, Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<CmsException>(call);
        Assert.Equal(expectedCode, ex.Code);
        return ex;
    }
}
